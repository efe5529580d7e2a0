// Builds the bundled demo GitOps repository (fixtures/demo) as a real two-commit git repository:
// `main` holds the base tree, branch `demo-change` the pull request on top of it.
// Usage: node scripts/build-demo-repo.ts [targetDir]   (default: <project>/.cache/demo-repo)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtureDir = join(projectRoot, 'fixtures', 'demo');

export const DEMO_ORIGIN = 'https://github.com/mergeplane/demo-gitops.git';
export const DEMO_BASE_BRANCH = 'main';
export const DEMO_HEAD_BRANCH = 'demo-change';
export const DEFAULT_DEMO_REPO_DIR = join(projectRoot, '.cache', 'demo-repo');

export class DemoRepoError extends Error {
  override readonly name = 'DemoRepoError';
}

export interface DemoRepo {
  dir: string;
  base: string;
  head: string;
}

const BASE_MESSAGE = 'Platform as of today';
const HEAD_MESSAGE = `Promote podinfo 6.7.1, scale guestbook in prod-eu, replace legacy-reports with notifications

- podinfo production overlay: image tag 6.7.0 -> 6.7.1 (already running in staging)
- guestbook values for prod-eu: 3 -> 5 replicas
- new app: notifications (manifests/notifications)
- removed app: legacy-reports (its daily e-mail moves to notifications)`;

// Fixed identities and dates, and no user or system git config, so the SHAs are the same on every machine.
function gitEnv(date: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Mergeplane Demo',
    GIT_AUTHOR_EMAIL: 'demo@mergeplane.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Mergeplane Demo',
    GIT_COMMITTER_EMAIL: 'demo@mergeplane.invalid',
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function readDeletions(): string[] {
  const file = join(fixtureDir, 'head-deletions.txt');
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Refuses to wipe a directory that does not look like one we built: the target is user-supplied. */
function prepareTarget(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes('.git')) {
      throw new DemoRepoError(`${dir} exists and is not a git repository; refusing to replace it`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

/** Recreates `targetDir` as the demo repository and returns its directory and the two commit SHAs. */
export function buildDemoRepo(targetDir: string): DemoRepo {
  const dir = resolve(targetDir);
  prepareTarget(dir);
  const git = (date: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: gitEnv(date) }).trim();
  const baseDate = '2026-03-02T09:00:00Z';
  const headDate = '2026-03-03T14:30:00Z';

  git(baseDate, 'init', '-q', '-b', DEMO_BASE_BRANCH);
  git(baseDate, 'config', 'user.name', 'Mergeplane Demo');
  git(baseDate, 'config', 'user.email', 'demo@mergeplane.invalid');
  git(baseDate, 'config', 'commit.gpgsign', 'false');
  git(baseDate, 'config', 'core.autocrlf', 'false');
  cpSync(join(fixtureDir, 'base'), dir, { recursive: true });
  git(baseDate, 'add', '-A');
  git(baseDate, 'commit', '-q', '-m', BASE_MESSAGE);
  const base = git(baseDate, 'rev-parse', 'HEAD');

  git(headDate, 'checkout', '-q', '-b', DEMO_HEAD_BRANCH);
  cpSync(join(fixtureDir, 'head'), dir, { recursive: true });
  for (const path of readDeletions()) {
    const full = resolve(dir, path);
    const rel = relative(dir, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new DemoRepoError(`head-deletions.txt: ${path} is outside the repository`);
    }
    if (!existsSync(full))
      throw new DemoRepoError(`head-deletions.txt: ${path} does not exist in the base tree`);
    rmSync(full, { recursive: true });
  }
  git(headDate, 'add', '-A');
  git(headDate, 'commit', '-q', '-m', HEAD_MESSAGE);
  const head = git(headDate, 'rev-parse', 'HEAD');

  git(headDate, 'checkout', '-q', DEMO_BASE_BRANCH);
  // Only a name: nothing here fetches or pushes, but Mergeplane identifies "this repository" by it.
  git(headDate, 'remote', 'add', 'origin', DEMO_ORIGIN);
  return { dir, base, head };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const repo = buildDemoRepo(process.argv[2] ?? DEFAULT_DEMO_REPO_DIR);
    process.stderr.write(
      `demo repository: ${repo.dir}\n` +
        `  ${DEMO_BASE_BRANCH.padEnd(11)} ${repo.base}\n` +
        `  ${DEMO_HEAD_BRANCH.padEnd(11)} ${repo.head}\n`,
    );
  } catch (error) {
    process.stderr.write(`build-demo-repo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
