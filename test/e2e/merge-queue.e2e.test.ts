import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_RUN_NAME } from '../../src/github/check-run-output.ts';
import { loadServerEnv } from '../../src/server/server-env.ts';
import { type RunningMergeplane, startServer } from '../../src/server/start-server.ts';
import { assertRedisReachable, createRedisScope, redisUrl, until } from '../queue/redis-test-env.ts';
import {
  APP_ID,
  captureLogger,
  commentPayload,
  deliver,
  generateAppKey,
  INSTALLATION_ID,
  OWNER,
  pullRequestPayload,
  REPO,
  WEBHOOK_SECRET,
  webhookExample,
} from '../server/server-test-env.ts';
import { type FakeCheckRun, type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const WRITER = 'octo-writer';
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

/**
 * A GitOps repository whose Application `platform` deploys three Namespaces; pull requests #1 and #2 each delete one
 * (a destructive change: Namespace is in `approval.destructiveKinds` by default, so each plan needs approval).
 */
function createQueueRepo(): {
  fixture: GitFixture;
  gitRoot: string;
  bare: string;
  base: string;
  pulls: Record<number, string>;
  cleanup(): void;
} {
  const fixture = createGitFixture();
  const base = fixture.commit({
    '.github/mergeplane.yml': 'repository:\n  url: https://github.com/mergeplane/demo-gitops.git\n',
    'argocd/platform.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: platform
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/mergeplane/demo-gitops.git
    path: platform
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
`,
    'platform/team-a.yaml': namespace('team-a'),
    'platform/team-b.yaml': namespace('team-b'),
    'platform/team-c.yaml': namespace('team-c'),
  });
  const pulls: Record<number, string> = {};
  for (const [number, file] of [
    [1, 'platform/team-a.yaml'],
    [2, 'platform/team-b.yaml'],
  ] as const) {
    fixture.git('checkout', '-q', '-b', `pr-${number}`, base);
    pulls[number] = fixture.commit({ [file]: null }, `delete ${file}`);
  }
  fixture.git('checkout', '-q', 'main');
  const scratch = mkdtempSync(join(tmpdir(), 'mergeplane-queue-'));
  const gitRoot = join(scratch, 'git');
  mkdirSync(join(gitRoot, OWNER), { recursive: true });
  const bare = join(gitRoot, OWNER, `${REPO}.git`);
  execFileSync('git', ['clone', '--bare', '--quiet', fixture.dir, bare]);
  for (const [number, sha] of Object.entries(pulls)) {
    execFileSync('git', ['--git-dir', bare, 'update-ref', `refs/pull/${number}/head`, sha]);
  }
  return {
    fixture,
    gitRoot,
    bare,
    base,
    pulls,
    cleanup() {
      fixture.cleanup();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

describe('a merge queue group through the loopback GitHub', () => {
  let repo: ReturnType<typeof createQueueRepo>;
  let fake: FakeGitHub;
  let server: RunningMergeplane;
  let url: string;
  const scope = createRedisScope();
  let deliveries = 0;
  let captured: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    await assertRedisReachable();
    repo = createQueueRepo();
    const privateKey = generateAppKey();
    const pull = (number: number) => ({
      number,
      state: 'open' as const,
      headSha: repo.pulls[number]!,
      headRef: `pr-${number}`,
      baseSha: repo.base,
      baseRef: 'main',
      author: 'octo-author',
    });
    fake = await startFakeGitHub({
      appId: APP_ID,
      privateKey,
      gitRoot: repo.gitRoot,
      permissions: { [WRITER]: 'write' },
      pulls: { [`${OWNER}/${REPO}#1`]: pull(1), [`${OWNER}/${REPO}#2`]: pull(2) },
    });
    captured = captureLogger();
    const cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-queue-cache-'));
    server = await startServer({
      env: loadServerEnv({
        APP_ID: String(APP_ID),
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET,
        GHE_HOST: fake.host,
        GHE_PROTOCOL: 'http',
        REDIS_URL: redisUrl,
        MERGEPLANE_CACHE_DIR: join(cacheDir, 'render'),
        MERGEPLANE_REPO_CACHE_DIR: join(cacheDir, 'repos'),
        MERGEPLANE_QUEUE_PREFIX: scope.prefix,
        HOST: '127.0.0.1',
        PORT: '0',
      }),
      logger: captured.logger,
      octokit: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
    });
    url = server.url!;
  });

  afterAll(async () => {
    await server?.close();
    await scope.cleanup();
    await fake?.close();
    repo?.cleanup();
  });

  const send = async (event: string, payload: Record<string, unknown>) => {
    const delivery = await deliver(url, event, payload, { id: `delivery-${++deliveries}` });
    expect(delivery.status).toBe(202);
  };
  const completedRun = (sha: string, conclusion: string, after = 0): Promise<FakeCheckRun> =>
    until(
      fake,
      ['request'],
      () => fake.checkRuns.slice(after).some((r) => r.head_sha === sha && r.conclusion === conclusion),
      `a ${conclusion} plan of ${sha.slice(0, 7)}`,
    )
      .catch((error: unknown) => {
        process.stderr.write(
          `${JSON.stringify(fake.checkRuns.map((r) => [r.head_sha.slice(0, 7), r.history, r.output?.title]))}\n`,
        );
        for (const r of captured.records) if (r.level >= 40) process.stderr.write(`${JSON.stringify(r)}\n`);
        throw error;
      })
      .then(
        () => fake.checkRuns.slice(after).find((r) => r.head_sha === sha && r.conclusion === conclusion)!,
      );

  /** Entries as the queue builds them: each pull request merged onto the entry ahead of it, with its branch. */
  function queueGroup(numbers: number[], attempt: string): { headSha: string; headRef: string } {
    const { fixture } = repo;
    let parent = repo.base;
    let headRef = '';
    for (const number of numbers) {
      fixture.git('checkout', '-q', '--detach', parent);
      fixture.git(
        'merge',
        '-q',
        '--no-ff',
        '-m',
        `Merge pull request #${number} (${attempt})`,
        repo.pulls[number]!,
      );
      const sha = fixture.git('rev-parse', 'HEAD');
      headRef = `refs/heads/gh-readonly-queue/main/pr-${number}-${parent}`;
      execFileSync('git', ['--git-dir', repo.bare, 'fetch', '-q', fixture.dir, sha]);
      execFileSync('git', ['--git-dir', repo.bare, 'update-ref', headRef, sha]);
      parent = sha;
    }
    fixture.git('checkout', '-q', 'main');
    return { headSha: parent, headRef };
  }

  function mergeGroupPayload(action: string, group: { headSha: string; headRef: string }) {
    const payload = webhookExample('merge_group', 'checks_requested');
    const repository = payload.repository as Record<string, unknown>;
    Object.assign(repository, { name: REPO, full_name: `${OWNER}/${REPO}` });
    (repository.owner as Record<string, unknown>).login = OWNER;
    payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
    payload.action = action;
    if (action === 'destroyed') payload.reason = 'merged';
    Object.assign(payload.merge_group as Record<string, unknown>, {
      head_sha: group.headSha,
      head_ref: group.headRef,
      base_sha: repo.base,
      base_ref: 'refs/heads/main',
    });
    return payload;
  }

  it('gets its check on the group head, with approvals carried from the pull requests that brought each change', async () => {
    for (const number of [1, 2]) {
      await send(
        'pull_request',
        pullRequestPayload('opened', {
          number,
          headSha: repo.pulls[number]!,
          baseSha: repo.base,
          headRef: `pr-${number}`,
        }),
      );
    }
    await completedRun(repo.pulls[1]!, 'action_required');
    await completedRun(repo.pulls[2]!, 'action_required');
    // Only #1 is approved.
    let seen = fake.checkRuns.length;
    await send('issue_comment', commentPayload(1, WRITER, '/mergeplane approve', 9001));
    await completedRun(repo.pulls[1]!, 'success', seen);

    const first = queueGroup([1, 2], 'first');
    await send('merge_group', mergeGroupPayload('checks_requested', first));
    const waiting = await completedRun(first.headSha, 'action_required');
    expect(waiting.name).toBe(CHECK_RUN_NAME);
    const summary = waiting.output?.summary ?? '';
    expect(summary).toMatch(
      /^\*\*Awaiting approval\*\*: each item needs a `\/mergeplane approve` on the pull request/,
    );
    // Logins are written so that GitHub does not notify them (a zero-width space after the @).
    expect(summary).toMatch(/approved on #1 by @\u200b?octo-writer — deletes Namespace team-a/);
    expect(summary).toMatch(/deletes Namespace team-b — from #2, not approved for its head/);

    // #2 approved: a new group of the same two pull requests passes, and the queue merges it.
    seen = fake.checkRuns.length;
    await send('issue_comment', commentPayload(2, WRITER, '/mergeplane approve', 9002));
    await completedRun(repo.pulls[2]!, 'success', seen);
    await send('merge_group', mergeGroupPayload('destroyed', first));
    const second = queueGroup([1, 2], 'second');
    await send('merge_group', mergeGroupPayload('checks_requested', second));
    const passed = await completedRun(second.headSha, 'success');
    expect(passed.output?.summary).toMatch(
      /approved on #2 by @\u200b?octo-writer — deletes Namespace team-b/,
    );
    // What the queue does on success: main fast-forwards to the group head.
    execFileSync('git', ['--git-dir', repo.bare, 'update-ref', 'refs/heads/main', second.headSha, repo.base]);
    await send('merge_group', mergeGroupPayload('destroyed', second));
    expect(
      execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', 'main'], { encoding: 'utf8' }).trim(),
    ).toBe(second.headSha);
    fake.assertRequestsMatchOpenApi();
  });
});
