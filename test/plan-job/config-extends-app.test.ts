import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/config-extends.ts';
import { createDeliveryPlanner } from '../../src/delivery/plan-delivery.ts';
import { planChangeWithContext } from '../../src/engine/plan-change.ts';
import { createRepoCache, type RepoCache } from '../../src/git/repo-cache.ts';
import { repoCacheConfigReader } from '../../src/git/repo-cache-config-reader.ts';
import { silentLogger } from '../../src/plan/plan-logger.ts';
import { planCommits } from '../../src/plan-job/plan-pull-request.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.ts';

const TOKEN = 'ghs_installationTokenForTests0123456789';
const CONFIG = '.github/mergeplane.yml';

let root: string;
let server: GitHttpServer;
const fixtures: GitFixture[] = [];
const dirs: string[] = [];

/** A bare repository served at OWNER/REPO.git with `tree` committed on main, as GitHub serves the installation's. */
function serve(owner: string, repo: string, commits: Record<string, string>[]): string[] {
  const work = createGitFixture();
  fixtures.push(work);
  const shas = commits.map((tree, i) => work.commit(tree, `commit ${i}`));
  const bare = join(root, owner, `${repo}.git`);
  mkdirSync(bare, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  work.git('push', '-q', '--force', bare, 'main:main');
  return shas;
}

function repoCache(baseUrl = server.baseUrl): RepoCache {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-extends-cache-'));
  dirs.push(dir);
  return createRepoCache({ dir, baseUrl });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mergeplane-extends-served-'));
  server = await startGitHttpServer({ root, token: TOKEN });
  // The organisation's defaults, in its `.github` repository (Probot's convention).
  serve('acme', '.github', [
    {
      [CONFIG]:
        'comment: {maxParts: 7}\napproval: {users: [org-admin]}\ndelivery: {argocdNamespace: gitops}\n',
    },
  ]);
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await server.close();
  for (const fixture of fixtures) fixture.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** A planned repository whose base config is `config`; the head adds a file. */
function gitops(name: string, config: string): { base: string; head: string } {
  const [base, head] = serve('acme', name, [{ [CONFIG]: config }, { 'notes.txt': 'x\n' }]);
  return { base: base!, head: head! };
}

async function planWith(name: string, config: string, cache = repoCache(), configToken?: string) {
  const { base, head } = gitops(name, config);
  const repository = await cache.sync({ owner: 'acme', repo: name, token: TOKEN, refs: [head] });
  return planCommits(
    repository,
    { baseSha: base, baseRef: 'main', headSha: head },
    { owner: 'acme', repo: name, installationId: 1 },
    {
      token: TOKEN,
      repoCache: cache,
      cacheDir: false,
      logger: silentLogger,
      ...(configToken === undefined ? {} : { configToken }),
    },
  );
}

describe('organisation defaults in the App (_extends read with the installation token)', () => {
  it('merges the .github repository config under the repository one, key by key', async () => {
    const planned = await planWith('gitops-a', '_extends: .github\ncomment: {maxParts: 3}\n');
    expect(planned.report.gates.find((g) => g.id === 'config')?.status ?? 'pass').toBe('pass');
    expect(planned.config?.comment.maxParts).toBe(3);
    expect(planned.config?.approval.users).toEqual(['org-admin']);
    expect(server.requests.filter((r) => r.url.startsWith('/acme/.github.git/')).length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorized)).toBe(true);
  });

  it('fails the config gate naming the chain when the parent repository is not in the installation', async () => {
    const planned = await planWith('gitops-b', '_extends: platform-defaults\n');
    const gate = planned.report.gates.find((g) => g.id === 'config');
    expect(gate?.status).toBe('fail');
    expect(gate?.message).toMatch(
      /^\.github\/mergeplane\.yml → platform-defaults:\.github\/mergeplane\.yml: cannot read it: acme\/platform-defaults cannot be read/,
    );
    expect(planned.config).toBeUndefined();
  });

  it('reads parents with configToken when one is given (the Action), and names the repository it refuses', async () => {
    const planned = await planWith(
      'gitops-f',
      '_extends: .github\n',
      repoCache(),
      'ghs_aTokenTheServerRefuses0000',
    );
    expect(planned.report.gates.find((g) => g.id === 'config')?.message).toMatch(
      /→ \.github:\.github\/mergeplane\.yml: cannot read it: acme\/\.github cannot be read with Mergeplane's token/,
    );
  });

  it('fails the config gate when the parent repository has no such file', async () => {
    const planned = await planWith('gitops-c', '_extends: .github:defaults/mergeplane.yml\n');
    expect(planned.report.gates.find((g) => g.id === 'config')?.message).toMatch(
      /→ \.github:defaults\/mergeplane\.yml: not found/,
    );
  });

  it('fails the config gate when the parent file is over the config size limit', async () => {
    serve('acme', 'huge-defaults', [
      { [CONFIG]: `comment: {maxParts: 3}\n#${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n` },
    ]);
    const planned = await planWith('gitops-g', '_extends: huge-defaults\n');
    expect(planned.report.gates.find((g) => g.id === 'config')?.message).toMatch(
      new RegExp(
        `→ huge-defaults:\\.github/mergeplane\\.yml: cannot read it: larger than ${MAX_CONFIG_FILE_BYTES} bytes`,
      ),
    );
  });

  it('leaves a transient failure to reach the parent to the job (retried), never a failed gate', async () => {
    const { base, head } = gitops('gitops-d', '_extends: .github\n');
    const cache = repoCache();
    const repository = await cache.sync({ owner: 'acme', repo: 'gitops-d', token: TOKEN, refs: [head] });
    // Nothing listens there: the fetch fails the way a network outage does, not as "not found".
    const unreachable = repoCache('http://127.0.0.1:9');
    await expect(
      planChangeWithContext({
        repoDir: repository.dir,
        base,
        head,
        cacheDir: false,
        configExtends: repoCacheConfigReader({ repoCache: unreachable, token: TOKEN, owner: 'acme' }),
      }),
    ).rejects.toMatchObject({ name: 'RepoSyncError', permanent: false });
  });

  it('delivers a merge with the same merged config', async () => {
    const { base, head } = gitops('gitops-e', '_extends: .github\n');
    const plan = await createDeliveryPlanner({ repoCache: repoCache(), cacheDir: false })({
      deliveryId: 'd-1',
      installationId: 1,
      owner: 'acme',
      repo: 'gitops-e',
      before: base,
      after: head,
      baseBranch: 'main',
      trigger: 'push',
      token: TOKEN,
      log: silentLogger,
    });
    expect(plan.options.argocdNamespace).toBe('gitops');
  });
});
