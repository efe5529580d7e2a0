import { DELIVER_QUEUE_NAME, mergeRef } from './deliver-job.ts';
import type { RedisClient } from './redis-connection.ts';

/** A commit status left `pending` that somebody must finish: the job named here, or the watchdog. */
export interface PendingStatus {
  installationId: number;
  owner: string;
  repo: string;
  sha: string;
  context: string;
  /** The job responsible for the final state (the parent until the target's own job starts). */
  jobId: string;
  targetUrl?: string;
}

export interface DueStatus extends PendingStatus {
  deadline: number;
}

/** Per merge and per target facts that outlive single jobs (all keys beside BullMQ's, under the same prefix). */
export interface DeliverStateStore {
  /**
   * Registers a merge the first time it is seen and returns its sequence number within the repository;
   * `undefined` when it was seen before (a redelivery, or the push and the merged pull request). Records the
   * pull request number either way.
   */
  registerMerge(input: {
    owner: string;
    repo: string;
    sha: string;
    pullNumber?: number;
  }): Promise<number | undefined>;
  /** Undoes `registerMerge` when the job could not be added. */
  forgetMerge(input: { owner: string; repo: string; sha: string }): Promise<void>;
  pullNumber(input: { owner: string; repo: string; sha: string }): Promise<number | undefined>;
  /** The current delivery attempt of a merge (1 until the first retry). */
  attempt(input: { owner: string; repo: string; sha: string }): Promise<number>;
  nextAttempt(input: { owner: string; repo: string; sha: string }): Promise<number>;
  /** Records `sha` as the newest merge delivering `targetKey`, unless a newer one (higher seq) already is. */
  recordLatest(input: {
    owner: string;
    repo: string;
    targetKey: string;
    seq: number;
    sha: string;
  }): Promise<void>;
  /** The newer merge that delivers `targetKey`, if `seq` is no longer the newest. */
  supersededBy(input: {
    owner: string;
    repo: string;
    targetKey: string;
    seq: number;
  }): Promise<string | undefined>;
  markPending(status: PendingStatus, deadline: number): Promise<void>;
  /** Moves the deadline of a still pending status later (never earlier; no-op once resolved). */
  extendPending(
    status: Pick<PendingStatus, 'owner' | 'repo' | 'sha' | 'context'>,
    deadline: number,
  ): Promise<void>;
  /** Removes the pending record; true for the one caller that removed it (it then owns the final status). */
  resolvePending(status: Pick<PendingStatus, 'owner' | 'repo' | 'sha' | 'context'>): Promise<boolean>;
  isPending(status: Pick<PendingStatus, 'owner' | 'repo' | 'sha' | 'context'>): Promise<boolean>;
  pendingStatuses(limit?: number): Promise<DueStatus[]>;
  /** A once-only marker (e.g. "failure comment posted for attempt n"); true for the first caller. */
  once(name: string, ttlSeconds?: number): Promise<boolean>;
  /** Clears a `once` marker (the action it guarded failed). */
  forgetOnce(name: string): Promise<void>;
  /** A short lease so two concurrent retries of one merge agree on which one runs. */
  lease(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

const TTL_SECONDS = 30 * 24 * 3600;

// Sets the newest merge per target by sequence number: webhooks of two merges may be planned out of order.
const RECORD_LATEST = `
local current = redis.call('GET', KEYS[1])
if current then
  local seq = tonumber(string.match(current, '^(%d+)'))
  if seq and seq >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * Pending commit statuses with their deadlines: a sorted set by deadline plus each status's details, for the
 * watchdog to find the ones whose job died.
 */
function pendingStatusStore(
  redis: RedisClient,
  base: string,
  member: (s: Pick<PendingStatus, 'owner' | 'repo' | 'sha' | 'context'>) => string,
): Pick<
  DeliverStateStore,
  'markPending' | 'extendPending' | 'resolvePending' | 'isPending' | 'pendingStatuses'
> {
  const pendingSet = `${base}:pending`;
  const pendingInfo = `${base}:pending-info`;
  return {
    async markPending(status, deadline) {
      const id = member(status);
      await redis
        .multi()
        .zadd(pendingSet, String(deadline), id)
        .hset(pendingInfo, id, JSON.stringify(status))
        .exec();
    },
    async extendPending(status, deadline) {
      await redis.zadd(pendingSet, 'XX', 'GT', 'CH', String(deadline), member(status));
    },
    async resolvePending(status) {
      const id = member(status);
      const results = await redis.multi().zrem(pendingSet, id).hdel(pendingInfo, id).exec();
      return results?.[0]?.[1] === 1;
    },
    async isPending(status) {
      return (await redis.zscore(pendingSet, member(status))) !== null;
    },
    async pendingStatuses(limit = 500) {
      const entries = await redis.zrange(pendingSet, '0', String(limit - 1), 'WITHSCORES');
      const out: DueStatus[] = [];
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const id = entries[i]!;
        const info = await redis.hget(pendingInfo, id);
        if (info === null) continue;
        out.push({ ...(JSON.parse(info) as PendingStatus), deadline: Number(entries[i + 1]) });
      }
      return out;
    },
  };
}

export function createDeliverStateStore(options: { redis: RedisClient; prefix: string }): DeliverStateStore {
  const { redis } = options;
  const base = `${options.prefix}:${DELIVER_QUEUE_NAME}-state`;
  const mergeKey = (input: { owner: string; repo: string; sha: string }) => {
    const { owner, repo, sha } = mergeRef(input);
    return `${base}:merge:${owner}/${repo}@${sha}`;
  };
  const repoKey = (input: { owner: string; repo: string }) =>
    `${input.owner.toLowerCase()}/${input.repo.toLowerCase()}`;
  const member = (s: Pick<PendingStatus, 'owner' | 'repo' | 'sha' | 'context'>) =>
    `${repoKey(s)}@${s.sha.toLowerCase()}|${s.context}`;

  return {
    async registerMerge(input) {
      const key = mergeKey(input);
      const created = await redis.hsetnx(key, 'seq', '0');
      if (input.pullNumber !== undefined) await redis.hset(key, 'pull', String(input.pullNumber));
      await redis.expire(key, TTL_SECONDS);
      if (created !== 1) return undefined;
      const seq = await redis.incr(`${base}:seq:${repoKey(input)}`);
      await redis.hset(key, 'seq', String(seq));
      return seq;
    },
    async forgetMerge(input) {
      await redis.del(mergeKey(input));
    },
    async pullNumber(input) {
      const value = await redis.hget(mergeKey(input), 'pull');
      return value === null ? undefined : Number(value);
    },
    async attempt(input) {
      const value = await redis.hget(mergeKey(input), 'attempt');
      return value === null ? 1 : Number(value);
    },
    async nextAttempt(input) {
      const key = mergeKey(input);
      await redis.hsetnx(key, 'attempt', '1');
      const next = await redis.hincrby(key, 'attempt', 1);
      await redis.expire(key, TTL_SECONDS);
      return next;
    },
    async recordLatest(input) {
      const key = `${base}:latest:${repoKey(input)}:${input.targetKey}`;
      await redis.eval(
        RECORD_LATEST,
        1,
        key,
        String(input.seq),
        input.sha.toLowerCase(),
        String(TTL_SECONDS),
      );
    },
    async supersededBy(input) {
      const current = await redis.get(`${base}:latest:${repoKey(input)}:${input.targetKey}`);
      const match = current === null ? null : /^(\d+) (\S+)$/.exec(current);
      if (!match || Number(match[1]) <= input.seq) return undefined;
      return match[2];
    },
    ...pendingStatusStore(redis, base, member),
    async once(name, ttlSeconds = TTL_SECONDS) {
      return (await redis.set(`${base}:once:${name}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },
    async forgetOnce(name) {
      await redis.del(`${base}:once:${name}`);
    },
    async lease(name, ttlMs) {
      return (await redis.set(`${base}:lease:${name}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async release(name) {
      await redis.del(`${base}:lease:${name}`);
    },
  };
}
