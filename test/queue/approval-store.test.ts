import { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/queue/approval-store.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from './redis-test-env.ts';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const ref = { owner: 'Acme', repo: 'GitOps', pullNumber: 12 };

let scope: ReturnType<typeof createRedisScope>;
let redis: Redis;

beforeAll(assertRedisReachable);
beforeEach(() => {
  scope = createRedisScope();
  redis = new Redis(redisUrl);
  scope.track({ close: async () => void (await redis.quit()) });
});
afterEach(async () => {
  await scope.cleanup();
});

describe('approval store', () => {
  it('keeps one approval per user and commit (the latest), by commit on request', async () => {
    const store = createApprovalStore({ redis, prefix: scope.prefix });
    await store.record(ref, { user: 'bob', sha: OLD, at: 't1' });
    await store.record(ref, { user: 'bob', sha: HEAD.toUpperCase(), at: 't2', reason: 'first' });
    await store.record(ref, { user: 'carol', sha: HEAD, at: 't3' });
    await store.record(ref, { user: 'Bob', sha: HEAD, at: 't4', reason: 'second' });

    expect(await store.list(ref)).toEqual([
      { user: 'bob', sha: OLD, at: 't1' },
      { user: 'carol', sha: HEAD, at: 't3' },
      { user: 'Bob', sha: HEAD, at: 't4', reason: 'second' },
    ]);
    expect((await store.list(ref, { sha: HEAD })).map((a) => a.user)).toEqual(['carol', 'Bob']);
    // GitHub names are case-insensitive: the same pull request.
    expect(await store.list({ owner: 'acme', repo: 'gitops', pullNumber: 12 })).toHaveLength(3);
    expect(await store.list({ ...ref, pullNumber: 13 })).toEqual([]);
  });

  it('lives under the queue prefix with a TTL, and skips entries it cannot read', async () => {
    const store = createApprovalStore({ redis, prefix: scope.prefix, ttlSeconds: 60 });
    await store.record(ref, { user: 'bob', sha: HEAD, at: 't1' });
    const keys = await redis.keys(`${scope.prefix}:*approvals*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.ttl(keys[0] ?? '');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis.rpush(keys[0] ?? '', 'not json', '{"user":1}');
    expect(await store.list(ref)).toEqual([{ user: 'bob', sha: HEAD, at: 't1' }]);
  });
});
