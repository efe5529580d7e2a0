import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { firstLine } from '../model/text.ts';
import { type GitRepository, openGitRepository, UnknownRefError } from './git-repository.ts';

export interface RepoCacheOptions {
  /** Cache root; clones live at `dir/HOST/OWNER/REPO` (a repository with no checkout). */
  dir: string;
  /** Default https://github.com; for GitHub Enterprise Server e.g. https://ghe.example.com. */
  baseUrl?: string;
}

export interface RepoSyncRequest {
  owner: string;
  repo: string;
  /** Installation token; used for this sync's git commands only, never stored. */
  token: string;
  /**
   * What to fetch: `HEAD` (the default branch's tip), `refs/pull/N/head` (→ `refs/remotes/pull/N/head`), branches `main` or `refs/heads/main`
   * (→ `refs/remotes/origin/main`), tags `refs/tags/v1`, or full commit SHAs.
   */
  refs: string[];
}

export interface RepoCache {
  /** The git host clones come from (`github.com`, a GHES host), lowercase. */
  readonly host?: string;
  /**
   * Brings the clone of owner/repo up to date with `refs` and returns it. The returned repository's
   * `resolve` also accepts the requested spellings (`refs/pull/12/head`, `refs/heads/main`).
   */
  sync(request: RepoSyncRequest): Promise<GitRepository>;
}

/** A git command of a sync failed; `stderr` (and the message) never contain the token. */
export class RepoSyncError extends Error {
  override readonly name = 'RepoSyncError';
  readonly owner: string;
  readonly repo: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  /**
   * Retrying cannot help: the repository or the ref is gone, or the token is refused. Read from git's own
   * words (git reports these only as text); everything else — network, timeouts, 5xx — is transient.
   */
  readonly permanent: boolean;
  constructor(owner: string, repo: string, exitCode: number | undefined, stderr: string) {
    const reason =
      firstLine(stderr) || (exitCode === undefined ? 'git failed to start' : `exit code ${exitCode}`);
    super(`sync of ${owner}/${repo} failed: ${reason}`);
    this.owner = owner;
    this.repo = repo;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.permanent = exitCode !== undefined && PERMANENT_GIT_FAILURES.some((p) => p.test(stderr));
  }
}

/** git's messages for a missing repository, a refused token, or a ref (a deleted pull request head) gone. */
const PERMANENT_GIT_FAILURES = [
  /repository '.*' not found/i,
  /\bRepository not found\b/i,
  /Authentication failed/i,
  /could not read Username/i,
  /The requested URL returned error: (?:401|403|404)\b/,
  /couldn't find remote ref/i,
  /not our ref/i,
];

/** The sync request itself is unusable (owner/repo name, ref, token): retrying cannot help. */
export class InvalidSyncRequestError extends Error {
  override readonly name = 'InvalidSyncRequestError';
}

/**
 * A git failure that a retry cannot fix: an unusable request, a repository, ref or token git refuses, or a
 * commit the synced clone does not have. The plan and the delivery flows both decide retries by it.
 */
export function isPermanentGitError(error: unknown): boolean {
  return (
    (error instanceof RepoSyncError && error.permanent) ||
    error instanceof InvalidSyncRequestError ||
    error instanceof UnknownRefError
  );
}

interface GitResult {
  stdout: string;
  stderr: string;
  code: number | undefined;
}

const OWNER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Where the remote's HEAD is fetched to: not `refs/remotes/origin/HEAD`, which git keeps as a symbolic ref. */
const DEFAULT_HEAD = 'refs/mergeplane/remote-head';
const PULL = /^refs\/pull\/([0-9]+)\/(head|merge)$/;

/** A ref that could be read as an option, a refspec or a revision range never reaches git. */
function isSafeRefName(name: string): boolean {
  return (
    name !== '' &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
    !/[\s\0-\x1f\x7f~^:?*[\\]/.test(name)
  );
}

interface RefPlan {
  /** Refspec for `git fetch`; a bare SHA for commits (fetched without a destination ref). */
  refspec: string;
  /** Set for commits: skipped when the clone already has them. */
  sha?: string;
}

function planRef(ref: string): RefPlan {
  if (SHA.test(ref)) return { refspec: ref, sha: ref };
  // The remote's default branch (an Application's `targetRevision: HEAD` of another repository).
  if (ref === 'HEAD') return { refspec: `+HEAD:${DEFAULT_HEAD}` };
  const pull = PULL.exec(ref);
  if (pull)
    return {
      refspec: `+${ref}:refs/remotes/pull/${pull[1]}/${pull[2]}`,
    };
  if (ref.startsWith('refs/tags/') && isSafeRefName(ref.slice('refs/tags/'.length)))
    return { refspec: `+${ref}:${ref}` };
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  if (!ref.startsWith('refs/') || ref.startsWith('refs/heads/')) {
    if (isSafeRefName(branch) && branch !== 'HEAD')
      return {
        refspec: `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      };
  }
  throw new InvalidSyncRequestError(`cannot fetch ref ${JSON.stringify(ref)}`);
}

/** Maps a requested spelling to the local ref it was fetched to; anything else passes through. */
function localRef(ref: string): string {
  if (ref === 'HEAD') return DEFAULT_HEAD;
  if (PULL.test(ref)) return ref.replace(/^refs\//, 'refs/remotes/');
  if (ref.startsWith('refs/heads/')) return `refs/remotes/origin/${ref.slice('refs/heads/'.length)}`;
  return ref;
}

export function createRepoCache(options: RepoCacheOptions): RepoCache {
  const base = new URL(options.baseUrl ?? 'https://github.com');
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new InvalidSyncRequestError(`unsupported base URL ${base.protocol}`);
  const basePath = base.pathname.replace(/\/+$/, '');
  const hostDir = base.host.toLowerCase().replace(/[^a-z0-9.-]/g, '_');
  const locks = new Map<string, Promise<unknown>>();

  // Concurrent fetches into one clone race on ref locks and packs: one sync per clone at a time.
  const withLock = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    locks.set(key, settled);
    void settled.then(() => {
      if (locks.get(key) === settled) locks.delete(key);
    });
    return next;
  };

  return {
    host: base.host.toLowerCase(),
    async sync(request) {
      const { owner, repo, token, refs } = request;
      if (!OWNER.test(owner)) throw new InvalidSyncRequestError(`invalid owner ${JSON.stringify(owner)}`);
      if (!REPO.test(repo) || repo === '.' || repo === '..')
        throw new InvalidSyncRequestError(`invalid repository ${JSON.stringify(repo)}`);
      if (token === '' || /[\s\0]/.test(token)) throw new InvalidSyncRequestError('invalid token');
      if (refs.length === 0) throw new InvalidSyncRequestError('no refs to fetch');
      const plans = refs.map(planRef);
      const name = repo.replace(/\.git$/i, '');
      if (name === '' || name === '.' || name === '..')
        throw new InvalidSyncRequestError(`invalid repository ${JSON.stringify(repo)}`);
      // GitHub names are case-insensitive: one clone (and one lock) whatever the spelling.
      const cloneDir = join(options.dir, hostDir, owner.toLowerCase(), name.toLowerCase());
      const url = `${base.origin}${basePath}/${owner}/${name}.git`;
      const runner = createAuthenticatedGit(token, owner, repo);

      return withLock(cloneDir, async () => {
        let existed = (await stat(cloneDir).catch(() => undefined)) !== undefined;
        if (existed && !(await isHealthy(cloneDir))) {
          await rm(cloneDir, { recursive: true, force: true });
          existed = false;
        }
        try {
          await syncClone(runner, cloneDir, url, plans);
        } catch (error) {
          // Only an existing clone found broken after the failure is re-cloned (once); a network or auth
          // failure keeps a healthy clone, and a failed first clone leaves nothing behind.
          if (!existed || !(error instanceof RepoSyncError) || (await isHealthy(cloneDir))) throw error;
          await rm(cloneDir, { recursive: true, force: true });
          await syncClone(runner, cloneDir, url, plans);
        }
        const repository = await openGitRepository(cloneDir);
        return { ...repository, resolve: (ref: string) => repository.resolve(localRef(ref)) };
      });
    },
  };
}

type Git = (repoDir: string, args: string[]) => Promise<RunResult>;

async function syncClone(git: Git, cloneDir: string, url: string, plans: RefPlan[]): Promise<void> {
  const exists = await stat(cloneDir).catch(() => undefined);
  // A full clone, not `--filter=blob:none`: worktree checkouts would fetch missing blobs lazily, and
  // that happens later, without the token.
  const target = exists ? cloneDir : `${cloneDir}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    if (!exists) {
      await mkdir(target, { recursive: true });
      // init + fetch rather than `clone`: a clone creates local branches, which would then shadow the
      // fresh refs/remotes/origin/* on resolve. Not bare: openGitRepository wants a work tree (left empty).
      await must(git, target, ['init', '--quiet']);
      await must(git, target, ['remote', 'add', 'origin', url]);
    }
    const missing: RefPlan[] = [];
    for (const plan of plans) {
      if (plan.sha && (await git(target, ['cat-file', '-e', `${plan.sha}^{commit}`])).code === 0) continue;
      missing.push(plan);
    }
    if (missing.length > 0) {
      const shallow = (await must(git, target, ['rev-parse', '--is-shallow-repository'])).trim() === 'true';
      // A shallow clone may lack the merge base of base and head: deepen it to full history.
      await must(git, target, [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        ...(shallow ? ['--unshallow'] : []),
        'origin',
        '--end-of-options',
        ...missing.map((p) => p.refspec),
      ]);
    }
    if (!exists) await rename(target, cloneDir);
  } catch (error) {
    if (!exists) await rm(target, { recursive: true, force: true });
    throw error;
  }
}

async function must(git: Git, repoDir: string, args: string[]): Promise<string> {
  const result = await git(repoDir, args);
  if (result.code !== 0) throw result.error;
  return result.stdout;
}

/** Cheap local check: git opens it and every ref points at an object it has. */
async function isHealthy(cloneDir: string): Promise<boolean> {
  const local = createGitRunner({});
  if ((await local(cloneDir, ['rev-parse', '--git-dir'])).code !== 0) return false;
  if (!(await stat(join(cloneDir, '.git', 'objects')).catch(() => undefined))?.isDirectory()) return false;
  const tips = await local(cloneDir, ['for-each-ref', '--format=%(objectname)']);
  if (tips.code !== 0) return false;
  const shas = tips.stdout.split('\n').filter((s) => s !== '');
  if (shas.length === 0) return true;
  const check = await local(cloneDir, ['cat-file', '--batch-check'], `${shas.join('\n')}\n`);
  return check.code === 0 && !check.stdout.includes(' missing');
}

interface RunResult extends GitResult {
  error: RepoSyncError;
}

function createAuthenticatedGit(token: string, owner: string, repo: string): Git {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  const secrets = [basic, `x-access-token:${token}`, token];
  const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text);
  // The header goes in through the environment (GIT_CONFIG_*), not `-c`: it stays out of the
  // process list, out of argv in errors, and is never written to the clone's config.
  const run = createGitRunner({
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    // No credential helper may see (or store) anything for this host.
    GIT_CONFIG_KEY_1: 'credential.helper',
    GIT_CONFIG_VALUE_1: '',
  });
  return async (repoDir, args) => {
    const result = await run(repoDir, args);
    const stderr = redact(result.stderr);
    return { ...result, stderr, error: new RepoSyncError(owner, repo, result.code, stderr) };
  };
}

function createGitRunner(
  extraEnv: Record<string, string>,
): (repoDir: string, args: string[], input?: string) => Promise<GitResult> {
  return (repoDir, args, input) =>
    new Promise((resolve) => {
      const child = execFile(
        'git',
        [
          // An explicit --git-dir: a broken clone must fail, not be mistaken for an enclosing repository.
          ...(args[0] === 'init' ? [] : ['--git-dir', join(repoDir, '.git')]),
          '-c',
          'core.hooksPath=/dev/null',
          '-c',
          'gc.autoDetach=false',
          ...args,
        ],
        {
          cwd: repoDir,
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...process.env,
            ...extraEnv,
            LC_ALL: 'C',
            GIT_TERMINAL_PROMPT: '0',
            GIT_ASKPASS: '',
            SSH_ASKPASS: '',
            GIT_PAGER: 'cat',
          },
        },
        (error, stdout, stderr) => {
          if (!error) resolve({ stdout, stderr, code: 0 });
          else
            resolve({
              stdout,
              stderr: stderr || error.message,
              code: typeof error.code === 'number' ? error.code : undefined,
            });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
}
