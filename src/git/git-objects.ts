import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { PlanCaches } from '../model/plan-caches.ts';
import { type RevisionEntry, RevisionTree } from '../model/revision-tree.ts';
import { listCommitTree, listCommitTreeFrom } from './commit-tree-listing.ts';
import { GIT_ENV } from './git-repository.ts';

const SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

interface PendingRead {
  id: string;
  resolve: (bytes: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * Reads blobs through one long-running `git cat-file --batch`: requests are pipelined and answered in order,
 * so reading thousands of small files costs one process, not one per file.
 */
export class BlobReader {
  private readonly repoDir: string;
  private process: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly queue: PendingRead[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;
  private closed = false;
  /** Ids asked for in this tick, written to git in one go. */
  private batch: string[] = [];

  constructor(repoDir: string) {
    this.repoDir = repoDir;
  }

  read(id: string): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('blob reader is closed'));
    if (!SHA.test(id)) return Promise.reject(new Error(`not an object id: ${id}`));
    const child = this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ id, resolve, reject });
      if (this.batch.length === 0) {
        setImmediate(() => {
          const ids = this.batch;
          this.batch = [];
          if (this.process === child) child.stdin.write(`${ids.join('\n')}\n`);
        });
      }
      this.batch.push(id);
    });
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    if (this.process) return this.process;
    const child = spawn('git', ['cat-file', '--batch'], {
      cwd: this.repoDir,
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error) => {
      for (const pending of this.queue.splice(0)) pending.reject(error);
      this.process = undefined;
    };
    child.on('error', fail);
    child.on('close', () => fail(new Error('git cat-file exited')));
    child.stdin.on('error', () => {});
    this.process = child;
    return child;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.expected === undefined) {
        const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        const newline = data.indexOf(10);
        if (newline < 0) {
          this.chunks = [data];
          return;
        }
        const header = data.subarray(0, newline).toString('utf8');
        const rest = data.subarray(newline + 1);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
        const [, type, size] = header.split(' ');
        if (type === 'missing' || size === undefined) {
          this.queue.shift()?.reject(new Error(`object ${header.split(' ')[0]} is missing`));
          continue;
        }
        this.expected = Number(size);
      }
      // The content, then one newline.
      if (this.buffered < this.expected + 1) return;
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const content = Buffer.from(data.subarray(0, this.expected));
      const rest = data.subarray(this.expected + 1);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.expected = undefined;
      this.queue.shift()?.resolve(content);
      if (this.buffered === 0) return;
    }
  }

  close(): void {
    this.closed = true;
    const child = this.process;
    this.process = undefined;
    if (child) {
      child.stdin.end();
      child.kill();
    }
  }
}

/** The revisions of one local repository, read from its object database; `close` stops the blob reader. */
export interface CommitTrees {
  tree(sha: string): Promise<RevisionTree>;
  close(): void;
}

export function openCommitTrees(repoDir: string, caches: PlanCaches): CommitTrees {
  const reader = new BlobReader(repoDir);
  const trees = new Map<string, Promise<RevisionTree>>();
  let firstListing: { sha: string; entries: Promise<ReadonlyMap<string, RevisionEntry>> } | undefined;
  const listing = async (sha: string): Promise<ReadonlyMap<string, RevisionEntry>> => {
    const cached = caches.trees.get(sha);
    if (cached) return cached;
    // A listing of this repository this process knows (the last one listed, else the other side of this plan) and
    // the difference from it: revisions of one repository share almost every path.
    const lastSha = caches.lastListed.get(repoDir);
    const lastEntries = lastSha === undefined ? undefined : caches.trees.get(lastSha);
    const known =
      lastSha !== undefined && lastEntries !== undefined
        ? { sha: lastSha, entries: lastEntries }
        : await knownOf(firstListing);
    let entries: ReadonlyMap<string, RevisionEntry> | undefined;
    if (known && known.sha !== sha) {
      // A revision pruned since (a force-push, gc): list in full instead.
      entries = await listCommitTreeFrom(repoDir, sha, known).catch(() => undefined);
    }
    const listed = entries ?? (await listCommitTree(repoDir, sha));
    caches.trees.set(sha, listed);
    caches.lastListed.set(repoDir, sha);
    return listed;
  };
  return {
    tree(sha) {
      let tree = trees.get(sha);
      if (!tree) {
        const entries = listing(sha);
        firstListing ??= { sha, entries };
        tree = entries.then(
          (listed) =>
            new RevisionTree({
              id: sha,
              entries: listed,
              reader: (_path, entry) => reader.read(entry.id),
              contentAddressed: true,
              blobs: caches.blobs,
            }),
        );
        trees.set(sha, tree);
      }
      return tree;
    },
    close: () => reader.close(),
  };
}

async function knownOf(
  first: { sha: string; entries: Promise<ReadonlyMap<string, RevisionEntry>> } | undefined,
): Promise<{ sha: string; entries: ReadonlyMap<string, RevisionEntry> } | undefined> {
  if (!first) return undefined;
  const entries = await first.entries.catch(() => undefined);
  return entries ? { sha: first.sha, entries } : undefined;
}
