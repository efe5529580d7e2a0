import { normalizeSha, PLAN_QUEUE_NAME, type PullRequestRef, pullRequestKey } from './plan-job.ts';
import type { RedisClient } from './redis-connection.ts';

/**
 * What each planned head of a pull request asked approval for (`approvalItemKey` of its `needs-approval` gates),
 * so that a merge group can tell whether an approval given on the pull request covers what the group changes.
 */
export interface PlanItemStore {
  record(ref: PullRequestRef, headSha: string, items: readonly string[]): Promise<void>;
  /** The items recorded for that head; undefined when it was never planned (or the record expired). */
  get(ref: PullRequestRef, headSha: string): Promise<string[] | undefined>;
}

export interface PlanItemStoreOptions {
  redis: RedisClient;
  prefix: string;
  /** How long a head's record lives; default 30 days, as approvals. */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
// A plan with thousands of destructive items is not approvable item by item anyway; the record stays small.
const MAX_ITEMS = 1_000;
const MAX_ITEM_CHARS = 2_000;

function parseItems(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

export function createPlanItemStore(options: PlanItemStoreOptions): PlanItemStore {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const key = (ref: PullRequestRef, sha: string) =>
    `${options.prefix}:${PLAN_QUEUE_NAME}-items:${pullRequestKey(ref)}:${normalizeSha(sha)}`;
  return {
    async record(ref, headSha, items) {
      // An item cut or dropped here can only fail to match later: it then needs approval again, never less.
      const kept = items.filter((item) => item.length <= MAX_ITEM_CHARS).slice(0, MAX_ITEMS);
      await redis.set(key(ref, headSha), JSON.stringify(kept), 'EX', ttl);
    },
    async get(ref, headSha) {
      return parseItems(await redis.get(key(ref, headSha)));
    },
  };
}
