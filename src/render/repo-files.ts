import type { Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { joinRepoPath } from '../model/join-repo-path.ts';
import { UnsafeContentError } from './render-error.ts';

export type EntryKind = 'file' | 'dir' | 'missing';

export interface CheckedPath {
  kind: EntryKind;
  /** Real absolute path (all symlinks resolved, inside the repository); absent when missing. */
  real?: string;
}

/** A file found by `walk`: its path relative to the walked directory and its checked real path. */
export interface WalkedFile {
  rel: string;
  real: string;
}

/**
 * Read access to one checkout that never leaves it: every path is joined lexically inside the repository and
 * every symlink on the way is resolved and must land inside it, or UnsafeContentError names the link (never
 * its target, which may be a host file). Paths in and out are repository-relative POSIX (`.` = root).
 */
export class RepoFiles {
  readonly realRoot: string;
  private readonly appName: string;

  private constructor(realRoot: string, appName: string) {
    this.realRoot = realRoot;
    this.appName = appName;
  }

  static async open(root: string, appName: string): Promise<RepoFiles> {
    return new RepoFiles(await realpath(root), appName);
  }

  /** Joins `ref` onto repository-relative `base`; undefined when the result would leave the repository. */
  static join(base: string, ref: string): string | undefined {
    return joinRepoPath(base, ref);
  }

  abs(rel: string): string {
    return rel === '.' ? this.realRoot : join(this.realRoot, ...rel.split('/'));
  }

  isInside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot + sep);
  }

  /** Repository-relative form of an absolute path inside the repository. */
  relOf(real: string): string {
    return real === this.realRoot
      ? '.'
      : real
          .slice(this.realRoot.length + 1)
          .split(sep)
          .join('/');
  }

  unsafeLink(linkRel: string): UnsafeContentError {
    return new UnsafeContentError(
      `application ${this.appName}: symlink ${linkRel} resolves outside the repository; refusing to read it`,
      { file: linkRel },
    );
  }

  /**
   * Resolves a symlink at `abs` (shown as `rel`): its real path when it stays inside the repository,
   * undefined when it dangles inside the repository, UnsafeContentError otherwise.
   */
  private async followLink(abs: string, rel: string): Promise<string | undefined> {
    let real: string;
    try {
      real = await realpath(abs);
    } catch {
      // Dangling: judge by where it points lexically, so a link to a missing host path still counts as an escape.
      const target = await readlink(abs);
      const lexical = isAbsolute(target) ? target : resolve(dirname(abs), target);
      if (!this.isInside(lexical)) throw this.unsafeLink(rel);
      return undefined;
    }
    if (!this.isInside(real)) throw this.unsafeLink(rel);
    return real;
  }

  /** Checks every component of `rel` (already joined inside the repository) and reports what it is. */
  async check(rel: string): Promise<CheckedPath> {
    if (rel === '.') return { kind: 'dir', real: this.realRoot };
    const parts = rel.split('/');
    let current = this.realRoot;
    for (let i = 0; i < parts.length; i++) {
      const next = join(current, parts[i]!);
      let info: Awaited<ReturnType<typeof lstat>>;
      try {
        info = await lstat(next);
      } catch {
        return { kind: 'missing' };
      }
      if (info.isSymbolicLink()) {
        const real = await this.followLink(next, parts.slice(0, i + 1).join('/'));
        if (real === undefined) return { kind: 'missing' };
        current = real;
      } else {
        current = next;
      }
    }
    const info = await stat(current);
    if (info.isDirectory()) return { kind: 'dir', real: current };
    if (info.isFile()) return { kind: 'file', real: current };
    return { kind: 'missing' };
  }

  async readText(rel: string): Promise<string | undefined> {
    const checked = await this.check(rel);
    if (checked.kind !== 'file') return undefined;
    return readFile(checked.real!, 'utf8');
  }

  /**
   * Every regular file under directory `rel`, depth-first in name order (as Go's filepath.Walk). The whole tree
   * is checked for escaping symlinks, whether or not a file would be returned. Symlinked files are returned with
   * their target; symlinked directories are not descended (as Argo CD), nor are subdirectories unless `recurse`.
   */
  async walk(rel: string, options: { recurse: boolean }): Promise<WalkedFile[]> {
    const start = await this.check(rel);
    if (start.kind !== 'dir') return [];
    const out: WalkedFile[] = [];
    const visit = async (dirReal: string, dirRel: string, prefix: string, listed: boolean): Promise<void> => {
      for (const entry of await sortedEntries(dirReal)) {
        if (entry.name === '.git') continue;
        const abs = join(dirReal, entry.name);
        const entryRepoRel = dirRel === '.' ? entry.name : `${dirRel}/${entry.name}`;
        const entryRel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isSymbolicLink()) {
          const real = await this.followLink(abs, entryRepoRel);
          if (real === undefined) continue;
          const info = await stat(real);
          if (info.isFile() && listed) out.push({ rel: entryRel, real });
        } else if (entry.isDirectory()) {
          await visit(abs, entryRepoRel, entryRel, listed && options.recurse);
        } else if (entry.isFile() && listed) {
          out.push({ rel: entryRel, real: abs });
        }
      }
    };
    await visit(start.real!, this.relOf(start.real!), '', true);
    return out;
  }

  /**
   * Copies repository paths (files or directory trees) into `dest` at the same relative places, with symlinks
   * inside the repository replaced by what they point to and any escaping symlink refused. The copy is what the
   * tools run on, so it holds no link a tool could follow out of it. `.git` is skipped.
   */
  async copy(rels: string[], dest: string): Promise<void> {
    const sorted = [...new Set(rels)].sort();
    const roots = sorted.filter((r) => !sorted.some((o) => o !== r && (o === '.' || r.startsWith(`${o}/`))));
    for (const rel of roots) {
      const checked = await this.check(rel);
      if (checked.kind === 'missing') continue;
      const target = rel === '.' ? dest : join(dest, ...rel.split('/'));
      if (checked.kind === 'file') {
        await mkdir(dirname(target), { recursive: true });
        await copyFile(checked.real!, target);
      } else {
        await this.copyDir(checked.real!, rel, target, new Set());
      }
    }
  }

  private async copyDir(real: string, rel: string, target: string, stack: Set<string>): Promise<void> {
    if (stack.has(real)) return;
    stack.add(real);
    await mkdir(target, { recursive: true });
    for (const entry of await sortedEntries(real)) {
      if (entry.name === '.git') continue;
      const abs = join(real, entry.name);
      const entryRel = rel === '.' ? entry.name : `${rel}/${entry.name}`;
      const entryTarget = join(target, entry.name);
      let source = abs;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const linked = await this.followLink(abs, entryRel);
        if (linked === undefined) continue;
        const info = await stat(linked);
        source = linked;
        isDir = info.isDirectory();
        isFile = info.isFile();
      }
      if (isDir) await this.copyDir(source, entryRel, entryTarget, stack);
      else if (isFile) await copyFile(source, entryTarget);
    }
    stack.delete(real);
  }
}

async function sortedEntries(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
