import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildDemoRepo } from '../../scripts/build-demo-repo.ts';
import { OWNER, REPO } from '../server/server-test-env.ts';

/** path → content; `null` deletes the file. */
export type FileChanges = Record<string, string | null>;

/**
 * The demo repository (fixtures/demo) as GitHub serves it to the end-to-end tests: a work clone where tests
 * make commits, and the bare repository behind the loopback GitHub whose `main` they advance ("merge").
 */
export interface E2ERepo {
  /** Scratch directory holding everything (also the server's caches); removed by `cleanup`. */
  dir: string;
  /** Root for the GitHub stand-in: `gitRoot/OWNER/REPO.git`. */
  gitRoot: string;
  /** The demo's `main` and `demo-change` commits. */
  base: string;
  head: string;
  /** Commits `changes` on top of `parent` (not on any branch yet) and returns the new SHA. */
  commit(parent: string, changes: FileChanges, message: string): string;
  /** Points the served `main` at `sha` (a fast-forward merge, or the bootstrap state). */
  setMain(sha: string): void;
  /** A file's text at a revision, undefined when absent. */
  read(sha: string, path: string): string | undefined;
  /** File names directly in `dir` at a revision. */
  list(sha: string, dir: string): string[];
  cleanup(): void;
}

export function createE2ERepo(): E2ERepo {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-deliver-e2e-'));
  const demo = buildDemoRepo(join(dir, 'demo'));
  const gitRoot = join(dir, 'git');
  const bare = join(gitRoot, OWNER, `${REPO}.git`);
  mkdirSync(join(gitRoot, OWNER), { recursive: true });
  let counter = 0;
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: demo.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'E2E Merger',
        GIT_AUTHOR_EMAIL: 'e2e@mergeplane.invalid',
        GIT_COMMITTER_NAME: 'E2E Merger',
        GIT_COMMITTER_EMAIL: 'e2e@mergeplane.invalid',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  execFileSync('git', ['clone', '--bare', '--quiet', demo.dir, bare], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });

  return {
    dir,
    gitRoot,
    base: demo.base,
    head: demo.head,
    commit(parent, changes, message) {
      git('checkout', '-q', '--detach', parent);
      for (const [path, content] of Object.entries(changes)) {
        const full = join(demo.dir, path);
        rmSync(full, { force: true, recursive: true });
        if (content === null) continue;
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      const sha = git('rev-parse', 'HEAD');
      // Reachable in the bare repository (as the pull request's head would be) before it is merged.
      counter += 1;
      git('push', '-q', bare, `${sha}:refs/heads/e2e-${counter}`);
      return sha;
    },
    setMain(sha) {
      git('push', '-q', '--force', bare, `${sha}:refs/heads/main`);
    },
    read(sha, path) {
      try {
        return git('show', `${sha}:${path}`);
      } catch {
        return undefined;
      }
    },
    list(sha, path) {
      const out = git('ls-tree', '--name-only', sha, `${path.replace(/\/+$/, '')}/`);
      return out === '' ? [] : out.split('\n').map((line) => line.slice(line.lastIndexOf('/') + 1));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
