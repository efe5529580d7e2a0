import { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPlanItemStore } from '../../src/queue/plan-item-store.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from './redis-test-env.ts';

const HEAD = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);
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

describe('plan item store', () => {
  it('keeps what each head of a pull request asked approval for, apart from other heads', async () => {
    const store = createPlanItemStore({ redis, prefix: scope.prefix, ttlSeconds: 60 });
    await store.record(ref, HEAD.toUpperCase(), ['destructive\0platform\0deletes Namespace a']);
    await store.record(ref, OTHER, []);

    expect(await store.get({ owner: 'acme', repo: 'gitops', pullNumber: 12 }, HEAD)).toEqual([
      'destructive\0platform\0deletes Namespace a',
    ]);
    // Planned with nothing to approve is not the same as never planned.
    expect(await store.get(ref, OTHER)).toEqual([]);
    expect(await store.get(ref, 'c'.repeat(40))).toBeUndefined();
    expect(await store.get({ ...ref, pullNumber: 13 }, HEAD)).toBeUndefined();
    const keys = await redis.keys(`${scope.prefix}:*items*`);
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
  });

  it('reads a malformed record as never planned, and keeps records bounded', async () => {
    const store = createPlanItemStore({ redis, prefix: scope.prefix });
    await store.record(ref, HEAD, []);
    const [key] = await redis.keys(`${scope.prefix}:*items*`);
    await redis.set(key!, '{"not":"a list"}');
    expect(await store.get(ref, HEAD)).toBeUndefined();

    await store.record(ref, HEAD, [
      'x'.repeat(5_000),
      ...Array.from({ length: 2_000 }, (_, i) => `item ${i}`),
    ]);
    const kept = (await store.get(ref, HEAD)) ?? [];
    expect(kept.length).toBeLessThan(2_000);
    expect(kept.every((item) => item.length < 5_000)).toBe(true);
  });
});
