import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** File tree for a commit: path → content; a `{ symlink: target }` value makes a symbolic link; `null` deletes. */
export type TreeSpec = Record<string, string | { symlink: string } | null>;

export interface GitFixture {
  dir: string;
  git(...args: string[]): string;
  /** Applies the tree (on top of the current work tree) and commits; returns the commit SHA. */
  commit(tree: TreeSpec, message?: string): string;
  cleanup(): void;
}

/** A real git repository in a temp dir, for tests that need actual revisions. */
export function createGitFixture(options: { origin?: string; branch?: string } = {}): GitFixture {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-git-'));
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    }).trim();
  git('init', '-q', '-b', options.branch ?? 'main');
  if (options.origin) git('remote', 'add', 'origin', options.origin);
  return {
    dir,
    git,
    commit(tree, message = 'change') {
      for (const [path, content] of Object.entries(tree)) {
        const full = join(dir, path);
        rmSync(full, { force: true, recursive: true });
        if (content === null) continue;
        mkdirSync(dirname(full), { recursive: true });
        if (typeof content === 'string') writeFileSync(full, content);
        else symlinkSync(content.symlink, full);
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
