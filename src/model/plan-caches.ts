import { BlobBytesCache, type RevisionEntry } from './revision-tree.ts';

/**
 * A map bounded by entry count; the oldest entry goes first. Reads do not reorder (a plan reads every entry of a
 * large repository, and reordering costs more than the rare eviction it would improve).
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  private readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * What plans of one process keep between them, all keyed by content (git object ids, commit SHAs): a second push
 * to a pull request, or the next pull request, reads and parses only the files that are new. Values are shared:
 * callers must not mutate them.
 */
export class PlanCaches {
  /** Commit SHA → its listed tree. */
  readonly trees: LruCache<ReadonlyMap<string, RevisionEntry>>;
  /** Blob bytes, by object id. */
  readonly blobs: BlobBytesCache;
  /** Repository directory → the commit last listed there (the listing later revisions are derived from). */
  readonly lastListed = new LruCache<string>(64);
  private readonly derived = new Map<string, LruCache<unknown>>();
  private readonly maxDerived: number;

  constructor(limits: { trees?: number; blobBytes?: number; derivedEntries?: number } = {}) {
    this.trees = new LruCache(limits.trees ?? 8);
    this.blobs = new BlobBytesCache(limits.blobBytes ?? 64 * 1024 * 1024);
    this.maxDerived = limits.derivedEntries ?? 200_000;
  }

  /**
   * A named cache of values derived from content (a blob's discovered objects, an app's inputs). One name
   * always holds one type of value: the name is the type's owner.
   */
  derivedCache<V>(name: string): LruCache<V> {
    let cache = this.derived.get(name);
    if (!cache) {
      cache = new LruCache<unknown>(this.maxDerived);
      this.derived.set(name, cache);
    }
    return cache as LruCache<V>;
  }
}

/** A value computed once per key: its promise while it is being computed, then the value itself. */
export interface Memo<V> {
  promise: Promise<V>;
  /** Set once the promise resolved: read it without awaiting (a plan reads thousands of cached entries). */
  settled?: { value: V };
}

/** The memo of `key` in `cache`, computing it with `compute` on a miss (no cache: computed every time). */
export function memoIn<V>(
  cache: LruCache<Memo<V>> | undefined,
  key: string,
  compute: () => Promise<V>,
): Memo<V> {
  const cached = cache?.get(key);
  if (cached) return cached;
  const promise = compute();
  const memo: Memo<V> = { promise };
  promise.then(
    (value) => {
      memo.settled = { value };
    },
    () => {},
  );
  cache?.set(key, memo);
  return memo;
}

/** Every memo's value, awaiting only those not settled yet. */
export async function memoValues<V>(memos: readonly Memo<V>[]): Promise<V[]> {
  const values: V[] = new Array(memos.length);
  const pending: Promise<void>[] = [];
  memos.forEach((memo, i) => {
    if (memo.settled) values[i] = memo.settled.value;
    else
      pending.push(
        memo.promise.then((value) => {
          values[i] = value;
        }),
      );
  });
  await Promise.all(pending);
  return values;
}
