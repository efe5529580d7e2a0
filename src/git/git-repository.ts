import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { firstLine } from '../model/text.ts';

export class NotAGitRepositoryError extends Error {
  override readonly name = 'NotAGitRepositoryError';
}

export class UnknownRefError extends Error {
  override readonly name = 'UnknownRefError';
  readonly ref: string;
  constructor(ref: string) {
    super(`unknown revision: ${ref}`);
    this.ref = ref;
  }
}

/** A file read with a size limit is larger than the limit; it was never read into memory. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  readonly path: string;
  readonly size: number;
  readonly maxBytes: number;
  constructor(path: string, size: number, maxBytes: number) {
    super(`${path} is ${size} bytes, larger than the ${maxBytes} allowed`);
    this.path = path;
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  readonly args: string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  constructor(args: string[], exitCode: number | undefined, stderr: string) {
    const reason =
      firstLine(stderr) || (exitCode === undefined ? 'failed to start' : `exit code ${exitCode}`);
    super(`git ${args.join(' ')}: ${reason}`);
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** A revision materialized on disk; `dispose` removes it. */
export interface Checkout {
  dir: string;
  sha: string;
  dispose(): Promise<void>;
}

export interface GitRepository {
  /** The repository's top-level directory (the git dir itself for a bare repository). */
  dir: string;
  /** Full SHA of a commit-ish; tries `ref`, then `origin/ref`. Throws UnknownRefError. */
  resolve(ref: string): Promise<string>;
  /** Repository-relative paths that differ between the two commits' trees (no rename detection), sorted. */
  changedFiles(base: string, head: string): Promise<string[]>;
  /** A detached worktree of `sha` in a temp dir outside the repository. */
  checkout(sha: string): Promise<Checkout>;
  originUrl(): Promise<string | undefined>;
  /** The branch `refs/remotes/origin/HEAD` points to, if the clone recorded it. */
  defaultBranch(): Promise<string | undefined>;
  /** The branch checked out in the repository's work tree, if any (undefined when detached). */
  currentBranch(): Promise<string | undefined>;
  /**
   * A file's text at a commit; undefined when there is no such file (or it is not a regular blob). With `maxBytes`,
   * the blob's size is asked first and a larger one throws FileTooLargeError without being read.
   */
  readFile(sha: string, path: string, options?: { maxBytes?: number }): Promise<string | undefined>;
  /**
   * The commit's depth along first parents (`git rev-list --first-parent --count`): on a branch that only
   * moves forward, a later merge is always deeper, whatever order its webhooks arrived in.
   */
  historyDepth(sha: string): Promise<number>;
  /** The best common ancestor of two commits (`git merge-base`); undefined when they share no history. */
  mergeBase(a: string, b: string): Promise<string | undefined>;
}

interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

const MAX_OUTPUT = 256 * 1024 * 1024;

/** Fixed locale (stable output), no prompts, no pager, no optional locks: how every local git command runs. */
export const GIT_ENV = {
  LC_ALL: 'C',
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  GIT_OPTIONAL_LOCKS: '0',
};

/**
 * Git runs with a fixed locale (stable output), no prompts (a missing credential fails instead of hanging),
 * no pager, and no repository hooks — checkouts of pull-request revisions must not run code.
 */
function runGit(cwd: string, args: string[], options: { allowFailure?: boolean } = {}): Promise<GitResult> {
  const fullArgs = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.quotePath=false', ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      fullArgs,
      {
        cwd,
        encoding: 'utf8',
        maxBuffer: MAX_OUTPUT,
        env: { ...process.env, ...GIT_ENV },
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : undefined;
        if (code !== undefined && options.allowFailure) {
          resolve({ stdout, stderr, code });
          return;
        }
        reject(new GitCommandError(args, code, stderr || error.message));
      },
    );
  });
}

/** Git's stdout, through `runGit`'s settings; throws GitCommandError. */
export async function git(cwd: string, args: string[]): Promise<string> {
  return (await runGit(cwd, args)).stdout;
}

/** A ref that could be read as an option is never passed to git. */
function isSafeRef(ref: string): boolean {
  return ref !== '' && !ref.startsWith('-') && !/[\s\0]/.test(ref);
}

/**
 * Opens the git repository containing `dir`. Throws NotAGitRepositoryError with a one-line reason when
 * `dir` is missing, not a directory, or not inside a repository git will open.
 */
export async function openGitRepository(dir: string): Promise<GitRepository> {
  const absolute = resolvePath(dir);
  try {
    const info = await stat(absolute);
    if (!info.isDirectory()) throw new NotAGitRepositoryError(`${dir} is not a directory`);
  } catch (error) {
    if (error instanceof NotAGitRepositoryError) throw error;
    throw new NotAGitRepositoryError(`${dir} does not exist`);
  }
  // Asked separately: `--show-toplevel` fails outright in a bare repository (git 2.39).
  const probe = await runGit(absolute, ['rev-parse', '--is-bare-repository'], { allowFailure: true });
  if (probe.code !== 0) {
    const reason = firstLine(probe.stderr).replace(/^fatal:\s*/, '');
    throw new NotAGitRepositoryError(`${dir} is not a git repository${reason ? ` (${reason})` : ''}`);
  }
  if (probe.stdout.trim() === 'true') return createGitRepository(absolute);
  const top = await runGit(absolute, ['rev-parse', '--show-toplevel'], { allowFailure: true });
  return createGitRepository(top.code === 0 && top.stdout.trim() !== '' ? top.stdout.trim() : absolute);
}

/**
 * A detached worktree of `sha` in a temp dir: a worktree (not `git archive`) keeps symlinks as symlinks, so the
 * renderer can refuse the ones that leave the checkout. Worktree add/remove go through `serialized`.
 */
async function checkoutWorktree(
  dir: string,
  sha: string,
  serialized: <T>(task: () => Promise<T>) => Promise<T>,
): Promise<Checkout> {
  if (!isSafeRef(sha)) throw new UnknownRefError(sha);
  const parent = await mkdtemp(join(tmpdir(), 'mergeplane-checkout-'));
  const tree = join(parent, 'tree');
  try {
    await serialized(() =>
      git(dir, ['-c', 'core.symlinks=true', 'worktree', 'add', '--detach', '--quiet', tree, sha]),
    );
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
  let disposed: Promise<void> | undefined;
  return {
    dir: tree,
    sha,
    dispose() {
      disposed ??= serialized(async () => {
        await runGit(dir, ['worktree', 'remove', '--force', tree], { allowFailure: true });
        await rm(parent, { recursive: true, force: true });
        await runGit(dir, ['worktree', 'prune'], { allowFailure: true });
      });
      return disposed;
    },
  };
}

function createGitRepository(dir: string): GitRepository {
  // Worktree bookkeeping in .git/worktrees is not safe to mutate concurrently: serialize add/remove.
  let worktreeQueue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const next = worktreeQueue.then(task, task);
    worktreeQueue = next.catch(() => undefined);
    return next;
  };

  const verify = async (ref: string): Promise<string | undefined> => {
    const result = await runGit(
      dir,
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
      {
        allowFailure: true,
      },
    );
    return result.code === 0 ? result.stdout.trim() : undefined;
  };

  return {
    dir,

    async resolve(ref) {
      if (!isSafeRef(ref)) throw new UnknownRefError(ref);
      const sha =
        (await verify(ref)) ?? (ref.startsWith('origin/') ? undefined : await verify(`origin/${ref}`));
      if (!sha) throw new UnknownRefError(ref);
      return sha;
    },

    async changedFiles(base, head) {
      for (const ref of [base, head]) if (!isSafeRef(ref)) throw new UnknownRefError(ref);
      // A direct tree diff (not base...head): the plan compares exactly the two trees it renders.
      const out = await git(dir, ['diff-tree', '-r', '-z', '--name-only', '--no-renames', base, head, '--']);
      const files = out.split('\0').filter((f) => f !== '');
      return [...new Set(files)].sort();
    },

    async historyDepth(sha) {
      if (!isSafeRef(sha)) throw new UnknownRefError(sha);
      const out = await git(dir, ['rev-list', '--first-parent', '--count', sha, '--']);
      return Number(out.trim());
    },

    async mergeBase(a, b) {
      if (!isSafeRef(a)) throw new UnknownRefError(a);
      if (!isSafeRef(b)) throw new UnknownRefError(b);
      const result = await runGit(dir, ['merge-base', a, b, '--'], { allowFailure: true });
      const sha = result.stdout.trim();
      return result.code === 0 && sha !== '' ? sha : undefined;
    },

    checkout: (sha) => checkoutWorktree(dir, sha, serialized),

    async originUrl() {
      const result = await runGit(dir, ['config', '--get', 'remote.origin.url'], { allowFailure: true });
      const url = result.stdout.trim();
      return result.code === 0 && url !== '' ? url : undefined;
    },

    async defaultBranch() {
      const result = await runGit(dir, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], {
        allowFailure: true,
      });
      const target = result.stdout.trim();
      if (result.code !== 0 || !target.startsWith('refs/remotes/origin/')) return undefined;
      return target.slice('refs/remotes/origin/'.length) || undefined;
    },

    async currentBranch() {
      const result = await runGit(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], {
        allowFailure: true,
      });
      const branch = result.stdout.trim();
      return result.code === 0 && branch !== '' ? branch : undefined;
    },

    async readFile(sha, path, options = {}) {
      if (!isSafeRef(sha)) throw new UnknownRefError(sha);
      const spec = `${sha}:${path.replace(/^\.?\//, '')}`;
      const type = await runGit(dir, ['cat-file', '-t', spec], { allowFailure: true });
      if (type.code !== 0 || type.stdout.trim() !== 'blob') return undefined;
      if (options.maxBytes !== undefined) {
        const size = Number((await git(dir, ['cat-file', '-s', spec])).trim());
        if (size > options.maxBytes) throw new FileTooLargeError(path, size, options.maxBytes);
      }
      return git(dir, ['cat-file', 'blob', spec]);
    },
  };
}
