import type { DriftDefinitions, DriftItem } from '../model/drift.ts';
import { isRecord } from '../model/kube-object.ts';
import type { RedisClient } from './redis-connection.ts';

/** What the drift check of a repository keeps between runs: what its default branch defines, and since-when per item. */
export interface DriftStore {
  saveDefinitions(repo: DriftRepo, recorded: RecordedDrift): Promise<void>;
  definitions(repo: DriftRepo): Promise<RecordedDrift | undefined>;
  /** When each item drifted, by key (`DriftItem.key`), as the last check left it. */
  since(repo: DriftRepo): Promise<Record<string, string>>;
  /** Keeps exactly the given items' times: an item back in sync starts anew when it drifts again. */
  saveSince(repo: DriftRepo, items: readonly DriftItem[]): Promise<void>;
}

/** A merge's definitions and the kubeconfig context its repository is delivered through. */
export interface RecordedDrift {
  definitions: DriftDefinitions;
  kubeContext?: string;
}

export interface DriftRepo {
  owner: string;
  repo: string;
}

function parseRecorded(text: string | null): RecordedDrift | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || !isRecord(value.definitions)) return undefined;
    const definitions = value.definitions;
    if (typeof definitions.sha !== 'string' || typeof definitions.branch !== 'string') return undefined;
    if (!Array.isArray(definitions.apps) || !Array.isArray(definitions.claims)) return undefined;
    return value as unknown as RecordedDrift;
  } catch {
    return undefined;
  }
}

export function createDriftStore(options: { redis: RedisClient; prefix: string }): DriftStore {
  const { redis } = options;
  // One hash tag per repository: both keys of a repository live on one Redis Cluster slot.
  const base = (r: DriftRepo) => `${options.prefix}:drift:{${`${r.owner}/${r.repo}`.toLowerCase()}}`;
  return {
    async saveDefinitions(r, recorded) {
      await redis.set(`${base(r)}:definitions`, JSON.stringify(recorded));
    },
    async definitions(r) {
      return parseRecorded(await redis.get(`${base(r)}:definitions`));
    },
    async since(r) {
      return redis.hgetall(`${base(r)}:since`);
    },
    async saveSince(r, items) {
      const key = `${base(r)}:since`;
      const multi = redis.multi().del(key);
      if (items.length > 0) multi.hset(key, Object.fromEntries(items.map((item) => [item.key, item.since])));
      await multi.exec();
    },
  };
}
