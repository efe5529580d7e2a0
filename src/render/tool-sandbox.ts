import { accessSync, constants, statSync } from 'node:fs';
import { chown, lstat, readdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

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
