import { createHash } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { chmod, chown, copyFile, lstat, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';

/** Another uid/gid for render tools, so they cannot read the server's files or its `/proc/PID/environ`. */
export interface ToolUser {
  uid: number;
  gid: number;
}

/** How a render tool process is confined besides its timeout and output cap. */
export interface ToolSandbox {
  /** Kernel limit on the tool's data memory (RLIMIT_DATA through `prlimit`), per process. */
  maxMemoryBytes?: number;
  /** Run the tool as this user (needs a root parent); undefined runs it as the current user. */
  user?: ToolUser;
}

export class InvalidToolUserError extends Error {
  override readonly name = 'InvalidToolUserError';
}

/** `nobody:nogroup` on Debian and in the image. */
export const DEFAULT_TOOL_USER: ToolUser = { uid: 65534, gid: 65534 };

/**
 * The user render tools run as, from `MERGEPLANE_RENDER_USER` (`UID:GID`, or `off`). Unset: `65534:65534`
 * when this process runs as root (the image), else the current user — an unprivileged process cannot switch,
 * and the README says what isolation that leaves.
 */
export function resolveToolUser(env: NodeJS.ProcessEnv = process.env): ToolUser | undefined {
  const value = env.MERGEPLANE_RENDER_USER?.trim();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (value === undefined || value === '') return isRoot ? DEFAULT_TOOL_USER : undefined;
  if (value === 'off') return undefined;
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(value);
  if (!match)
    throw new InvalidToolUserError(
      `MERGEPLANE_RENDER_USER must be UID:GID or off, got ${JSON.stringify(value)}`,
    );
  const user = { uid: Number(match[1]), gid: Number(match[2]) };
  if (user.uid === 0 || user.gid === 0) {
    throw new InvalidToolUserError(
      'MERGEPLANE_RENDER_USER must not be root (0): renders run untrusted content',
    );
  }
  if (!isRoot) {
    throw new InvalidToolUserError(
      'MERGEPLANE_RENDER_USER needs the process to start as root, which can switch users',
    );
  }
  return user;
}

let prlimitPath: string | undefined;

/** `prlimit` (util-linux) applies the memory limit to the tool between fork and exec, with no shell. */
export function findPrlimit(env: NodeJS.ProcessEnv = process.env): string {
  if (prlimitPath !== undefined) return prlimitPath;
  for (const dir of [...(env.PATH ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (dir === '') continue;
    const candidate = resolve(dir, 'prlimit');
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        prlimitPath = candidate;
        return candidate;
      }
    } catch {
      // Not here.
    }
  }
  throw new Error('prlimit (util-linux) not found: it enforces render.maxMemoryBytes on render tools');
}

/** Hands a private scratch tree (the render's copies and temp home) to the tool user; links are not followed. */
export async function chownTree(dir: string, user: ToolUser): Promise<void> {
  await chown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, user);
    else if (!(await lstat(path)).isSymbolicLink()) await chown(path, user.uid, user.gid);
  }
}

/**
 * Where a render's scratch directories go: the temp dir, unless the tool user could not reach it (TMPDIR set
 * to a private directory), then `/tmp`.
 */
export async function scratchRoot(user: ToolUser | undefined): Promise<string> {
  const base = tmpdir();
  if (user === undefined || (await othersCanExecute(base))) return base;
  return '/tmp';
}

/** True when a user that is neither owner nor group member can reach and execute `path` (mode bits only). */
async function othersCanExecute(path: string): Promise<boolean> {
  const info = await stat(path);
  if ((info.mode & 0o001) === 0) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

const reachable = new Map<string, Promise<string>>();

/**
 * A path of `binary` that the tool user can execute. A checkout may sit under a private directory (a CI
 * workspace made with `mktemp -d`, a home directory with mode 0700): then the binary is copied once, by
 * content identity, to a world-readable place under the temp dir and that copy is used.
 */
export function executableFor(binary: string): Promise<string> {
  let path = reachable.get(binary);
  if (path === undefined) {
    path = (async () => {
      if (await othersCanExecute(binary)) return binary;
      const info = await stat(binary);
      const id = createHash('sha256')
        .update(`${binary}\0${info.size}\0${info.mtimeMs}`)
        .digest('hex')
        .slice(0, 16);
      const dir = join(tmpdir(), 'mergeplane-tools', id);
      const target = join(dir, binary.split(sep).pop() ?? 'tool');
      try {
        if (await othersCanExecute(target)) return target;
      } catch {
        // Not copied yet.
      }
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await chmod(join(tmpdir(), 'mergeplane-tools'), 0o755);
      await chmod(dir, 0o755);
      const partial = `${target}.${process.pid}.partial`;
      await copyFile(binary, partial);
      await chmod(partial, 0o755);
      // Atomic: concurrent workers copying the same binary both end with a complete file.
      await rename(partial, target);
      return target;
    })();
    reachable.set(binary, path);
    path.catch(() => reachable.delete(binary));
  }
  return path;
}
