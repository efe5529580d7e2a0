import { createHash } from 'node:crypto';
import { lowerBound } from './lower-bound.ts';

/** One path of a revision: a regular file, a symbolic link, a directory, or something else (a submodule). */
export interface RevisionEntry {
  kind: 'file' | 'symlink' | 'dir' | 'other';
  /**
   * The object id in git (blob or tree); for a tree read from a directory, a per-tree token that only tells
   * entries of that one tree apart (`contentAddressed` is false then).
   */
  id: string;
  /** Bytes of a file or link target, when known without reading it. */
  size?: number;
  executable?: boolean;
}

/** Reads an entry's bytes: the blob from git's object database, or the file from a directory. */
export type EntryReader = (path: string, entry: RevisionEntry) => Promise<Buffer>;

/** Where `resolve` leads: a file or directory (its real path, symlinks followed), nothing, or out of the tree. */
export type ResolvedPath = { kind: 'file' | 'dir'; real: string } | { kind: 'missing' } | { kind: 'outside' };

/** What a dependency on a path is about: only its kind (and a link's target), or its content as well. */
export type DependencyDepth = 'kind' | 'content';

/** Observes the paths a computation looks at, so its result can be reused while they are unchanged. */
export type DependencyRecorder = (path: string, depth: DependencyDepth) => void;

const COLON = ':'.charCodeAt(0);

/** Values derived from a listing (`RevisionTree.derived`), by listing: gone with the listing. */
const listingMemos = new WeakMap<ReadonlyMap<string, RevisionEntry>, Map<string, unknown>>();

/** Hard limit of Linux's path resolution (ELOOP): a longer chain of links resolves to nothing. */
const MAX_LINK_HOPS = 40;

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

function joinPath(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/**
 * One revision of a repository as a read-only tree of paths: listed once (from `git ls-tree` or a directory
 * walk), read on demand. Discovery, app inputs, ApplicationSet git generators, the Crossplane scan and the
 * render-cache key all read a revision through it, so the symlink rules live here: a link is an entry of its
 * own, never entered by a listing; `resolve` follows links the way the kernel would and says when a path
 * leaves the tree. Paths are repository-relative POSIX, `.` for the root.
 */
export class RevisionTree {
  /** The commit SHA (or a label for a directory tree). */
  readonly id: string;
  /** Whether entry ids are content hashes, valid as cache keys beyond this tree (git object ids). */
  readonly contentAddressed: boolean;
  private readonly entries: ReadonlyMap<string, RevisionEntry>;
  private readonly reader: EntryReader;
  private readonly bytesMemo = new Map<string, Promise<Buffer | undefined>>();
  private readonly textMemo = new Map<string, Promise<string | undefined>>();
  private readonly sharedBlobs: BlobBytesCache | undefined;

  constructor(options: {
    id: string;
    entries: ReadonlyMap<string, RevisionEntry>;
    reader: EntryReader;
    contentAddressed: boolean;
    /** Blob bytes shared by trees of one process (content-addressed trees only). */
    blobs?: BlobBytesCache;
  }) {
    this.id = options.id;
    this.entries = options.entries;
    this.reader = options.reader;
    this.contentAddressed = options.contentAddressed;
    this.sharedBlobs = options.contentAddressed ? options.blobs : undefined;
  }

  /** An in-memory tree (tests, fixtures): `{ path: text }`, or `{ path: { symlink: target } }`. */
  static fromFiles(
    files: Readonly<Record<string, string | { symlink: string }>>,
    id = 'memory',
  ): RevisionTree {
    const entries = new Map<string, RevisionEntry>();
    const contents = new Map<string, Buffer>();
    entries.set('.', { kind: 'dir', id: 'root' });
    for (const [path, content] of Object.entries(files)) {
      const bytes = Buffer.from(typeof content === 'string' ? content : content.symlink);
      const blobId = createHash('sha1').update(bytes).digest('hex');
      entries.set(path, {
        kind: typeof content === 'string' ? 'file' : 'symlink',
        id: blobId,
        size: bytes.length,
      });
      contents.set(path, bytes);
      for (let dir = parentOf(path); dir !== '.'; dir = parentOf(dir)) {
        if (!entries.has(dir)) entries.set(dir, { kind: 'dir', id: `dir:${dir}` });
      }
    }
    return new RevisionTree({
      id,
      entries,
      reader: async (path) => contents.get(path) ?? Buffer.alloc(0),
      contentAddressed: false,
    });
  }

  entry(path: string): RevisionEntry | undefined {
    return this.entries.get(path === '' ? '.' : path);
  }

  /** Every directory of the tree but the root, sorted by code unit. */
  directories(): string[] {
    const out: string[] = [];
    for (const [path, entry] of this.entries) if (entry.kind === 'dir' && path !== '.') out.push(path);
    return out.sort(byCodeUnit);
  }

  /**
   * A value computed from this tree's listing alone (and, for a content-addressed tree, the blobs it names),
   * once per listing: the trees of one revision opened by later plans share the cached listing, and with it these.
   */
  derived<T>(name: string, compute: () => T): T {
    let memo = listingMemos.get(this.entries);
    if (!memo) {
      memo = new Map();
      listingMemos.set(this.entries, memo);
    }
    if (memo.has(name)) return memo.get(name) as T;
    const value = compute();
    memo.set(name, value);
    return value;
  }

  /** Every file and symlink of the tree, sorted by code unit. */
  leaves(): readonly string[] {
    return this.derived('leaves', () => {
      const out: string[] = [];
      for (const [path, entry] of this.entries) {
        if (entry.kind === 'file' || entry.kind === 'symlink') out.push(path);
      }
      return out.sort(byCodeUnit);
    });
  }

  /** Files and symlinks under `dir` (recursively; a symlinked directory is one entry, never entered), sorted. */
  filesUnder(dir: string): string[] {
    const leaves = this.leaves();
    if (dir === '.' || dir === '') return [...leaves];
    const prefix = `${dir}/`;
    const out: string[] = [];
    for (let i = lowerBound(leaves, prefix); i < leaves.length && leaves[i]!.startsWith(prefix); i++) {
      out.push(leaves[i]!);
    }
    return out;
  }

  /** Names directly inside a directory, sorted; undefined when `dir` is not a directory of the tree. */
  childNames(dir: string): string[] | undefined {
    if (this.entry(dir)?.kind !== 'dir') return undefined;
    const children = this.derived('children', () => {
      const byParent = new Map<string, string[]>();
      for (const path of this.entries.keys()) {
        if (path === '.') continue;
        const parent = parentOf(path);
        let names = byParent.get(parent);
        if (!names) {
          names = [];
          byParent.set(parent, names);
        }
        names.push(path.slice(parent === '.' ? 0 : parent.length + 1));
      }
      for (const names of byParent.values()) names.sort(byCodeUnit);
      return byParent;
    });
    return children.get(dir === '' ? '.' : dir) ?? [];
  }

  /** The raw bytes of a file or a link's target text; undefined for anything else. */
  bytes(path: string): Promise<Buffer | undefined> {
    let memo = this.bytesMemo.get(path);
    if (!memo) {
      memo = this.readBytes(path);
      this.bytesMemo.set(path, memo);
    }
    return memo;
  }

  private async readBytes(path: string): Promise<Buffer | undefined> {
    const entry = this.entry(path);
    if (!entry || (entry.kind !== 'file' && entry.kind !== 'symlink')) return undefined;
    const shared = this.sharedBlobs?.get(entry.id);
    if (shared) return shared;
    try {
      const bytes = await this.reader(path, entry);
      this.sharedBlobs?.set(entry.id, bytes);
      return bytes;
    } catch {
      return undefined;
    }
  }

  /** The text of a regular file of at most `maxBytes` (symlinks are not followed), or why not. */
  async boundedText(
    path: string,
    maxBytes: number,
  ): Promise<{ text: string } | { tooLarge: number } | undefined> {
    const entry = this.entry(path);
    if (entry?.kind !== 'file') return undefined;
    if (entry.size !== undefined && entry.size > maxBytes) return { tooLarge: entry.size };
    const bytes = await this.bytes(path);
    if (bytes === undefined) return undefined;
    if (bytes.length > maxBytes) return { tooLarge: bytes.length };
    const text = await this.text(path);
    return text === undefined ? undefined : { text };
  }

  /** A regular file's text (symlinks are not followed); undefined for anything else. */
  text(path: string): Promise<string | undefined> {
    let memo = this.textMemo.get(path);
    if (!memo) {
      memo =
        this.entry(path)?.kind === 'file'
          ? this.bytes(path).then((b) => b?.toString('utf8'))
          : Promise.resolve(undefined);
      this.textMemo.set(path, memo);
    }
    return memo;
  }

  /** A symlink's target as written; undefined when `path` is not a symlink. */
  async linkTarget(path: string): Promise<string | undefined> {
    if (this.entry(path)?.kind !== 'symlink') return undefined;
    return (await this.bytes(path))?.toString('utf8');
  }

  /** Whether `dependencyKey(path, depth)` is `key`, without building the key (a plan checks thousands). */
  hasDependencyKey(path: string, depth: DependencyDepth, key: string): boolean {
    const entry = this.entry(path);
    if (!entry) return key === 'missing';
    if (entry.kind !== 'symlink' && depth !== 'content') return key === entry.kind;
    const { kind, id } = entry;
    return (
      key.length === kind.length + 1 + id.length &&
      key.startsWith(kind) &&
      key.charCodeAt(kind.length) === COLON &&
      key.endsWith(id)
    );
  }

  /**
   * A stable key of what `path` is: `kind` depth says only whether it is a file or directory (and a link's
   * target); `content` adds its object id. Equal keys in two trees mean a computation that depended on the
   * path sees the same thing in both (ids are compared only between content-addressed trees).
   */
  dependencyKey(path: string, depth: DependencyDepth): string {
    const entry = this.entry(path);
    if (!entry) return 'missing';
    if (entry.kind === 'symlink' || depth === 'content') return `${entry.kind}:${entry.id}`;
    return entry.kind;
  }

  /** A digest of a file's content (a link's target, never what it points to); undefined when absent. */
  async digest(path: string): Promise<string | undefined> {
    const entry = this.entry(path);
    if (!entry || entry.kind === 'dir' || entry.kind === 'other') return undefined;
    if (this.contentAddressed) return `${entry.kind}:${entry.id}`;
    const bytes = await this.bytes(path);
    if (bytes === undefined) return undefined;
    const hash = createHash('sha256').update(bytes).digest('hex');
    return entry.kind === 'symlink' ? `link:${bytes.toString('utf8')}` : hash;
  }

  /**
   * Where `path` leads with every symlink followed, as the kernel's path resolution would: a link's target is
   * joined onto the link's directory (an absolute target, or one that climbs above the root, leaves the tree).
   * `record` sees every path looked at, so a caller can tell when the answer could change.
   */
  async resolve(path: string, record?: DependencyRecorder): Promise<ResolvedPath> {
    let pending = path === '.' || path === '' ? [] : path.split('/');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (done.length === 0) return { kind: 'outside' };
        done.pop();
        continue;
      }
      const current = [...done, name].join('/');
      record?.(current, 'kind');
      const entry = this.entry(current);
      if (!entry) return { kind: 'missing' };
      if (entry.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) return { kind: 'missing' };
        const target = await this.linkTarget(current);
        if (target === undefined) return { kind: 'missing' };
        if (target.startsWith('/')) return { kind: 'outside' };
        pending = [...target.split('/'), ...pending];
        continue;
      }
      if (entry.kind === 'file' && pending.some((p) => p !== '' && p !== '.')) return { kind: 'missing' };
      done.push(name);
    }
    const real = done.length === 0 ? '.' : done.join('/');
    const entry = this.entry(real);
    return { kind: entry?.kind === 'file' ? 'file' : 'dir', real };
  }
}

/** Blob bytes by object id, bounded by total size, least recently used out first. */
export class BlobBytesCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(id: string): Buffer | undefined {
    const hit = this.map.get(id);
    if (hit) {
      this.map.delete(id);
      this.map.set(id, hit);
    }
    return hit;
  }

  set(id: string, value: Buffer): void {
    if (value.length > this.maxBytes / 16 || this.map.has(id)) return;
    this.map.set(id, value);
    this.bytes += value.length;
    for (const [oldest, buffer] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(oldest);
      this.bytes -= buffer.length;
    }
  }
}

export { joinPath as joinTreePath, parentOf as treeParentOf };
