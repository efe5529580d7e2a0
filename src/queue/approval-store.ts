import type { Approval } from '../gates/approval.ts';
import { normalizeSha, PLAN_QUEUE_NAME, type PullRequestRef, pullRequestKey } from './plan-job.ts';
import type { RedisClient } from './redis-connection.ts';

/** `/mergeplane approve` records: per pull request, each approval with the head SHA it was given for. */
export interface ApprovalStore {
  /** Records one approval; an earlier approval by the same user for the same SHA is replaced. */
  record(ref: PullRequestRef, approval: Approval): Promise<void>;
  /**
   * The pull request's approvals, oldest first, one per user and SHA (the latest). With `sha`, only those
   * given for that commit.
   */
  list(ref: PullRequestRef, options?: { sha?: string }): Promise<Approval[]>;
}

/** What the plan worker needs of the store. */
export type ApprovalReader = Pick<ApprovalStore, 'list'>;

export interface ApprovalStoreOptions {
  redis: RedisClient;
  /** The queue prefix: the keys live beside the plan state keys. */
  prefix: string;
  /** How long a pull request's approvals live after the last one; default 30 days. */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
// A pull request cannot grow an unbounded list in Redis, however many times someone approves.
const MAX_ENTRIES = 200;

function parseEntry(text: string): Approval | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { user, sha, at, reason } = value as Record<string, unknown>;
    if (typeof user !== 'string' || typeof sha !== 'string' || typeof at !== 'string') return undefined;
    return { user, sha, at, ...(typeof reason === 'string' ? { reason } : {}) };
  } catch {
    // A malformed entry (written by hand, or by a future version) is not an approval.
    return undefined;
  }
}

export function createApprovalStore(options: ApprovalStoreOptions): ApprovalStore {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const key = (ref: PullRequestRef) =>
    `${options.prefix}:${PLAN_QUEUE_NAME}-approvals:${pullRequestKey(ref)}`;

  return {
    async record(ref, approval) {
      const entry: Approval = {
        user: approval.user,
        sha: normalizeSha(approval.sha),
        at: approval.at,
        ...(approval.reason === undefined ? {} : { reason: approval.reason }),
      };
      const k = key(ref);
      const results = await redis
        .multi()
        .rpush(k, JSON.stringify(entry))
        .ltrim(k, -MAX_ENTRIES, -1)
        .expire(k, ttl)
        .exec();
      const failed = results?.find(([error]) => error !== null);
      if (results === null || failed) throw failed?.[0] ?? new Error('approval transaction aborted');
    },
    async list(ref, listOptions = {}) {
      const sha = listOptions.sha === undefined ? undefined : normalizeSha(listOptions.sha);
      const entries = (await redis.lrange(key(ref), 0, -1)).flatMap((text) => {
        const approval = parseEntry(text);
        return approval === undefined ? [] : [approval];
      });
      // Later entries win: one approval per (user, SHA), in the order of their latest record.
      const latest = new Map<string, Approval>();
      for (const approval of entries) {
        if (sha !== undefined && approval.sha !== sha) continue;
        const id = `${approval.user.toLowerCase()} ${approval.sha}`;
        latest.delete(id);
        latest.set(id, approval);
      }
      return [...latest.values()];
    },
  };
}
