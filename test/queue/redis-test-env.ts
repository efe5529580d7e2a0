import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PLAN_QUEUE_NAME } from '../../src/queue/plan-job.ts';
import { DEFAULT_REDIS_URL } from '../../src/server/server-env.ts';

/** CI starts a Redis 7; locally `REDIS_URL` points elsewhere if needed. */
export const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

/** Fails (never skips) when Redis is missing: these tests are the only check of the queue against Redis. */
export async function assertRedisReachable(): Promise<void> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: null,
  });
  // ioredis reports the socket error (ECONNREFUSED, ENOTFOUND) as an event and rejects with a generic one.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = socketError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `Redis is not reachable at ${redisUrl} (${reason}). The queue tests need a real Redis 7: ` +
        'start one (e.g. `docker run -p 6379:6379 redis:7`) or set REDIS_URL.',
    );
  } finally {
    client.disconnect();
  }
}

interface Closable {
  close(): Promise<void>;
}

/** A random prefix per test, and everything the test opened, closed and wiped afterwards. */
export function createRedisScope() {
  const prefix = `mp-test-${randomBytes(6).toString('hex')}`;
  const opened: Closable[] = [];
  return {
    prefix,
    track<T extends Closable>(resource: T): T {
      opened.push(resource);
      return resource;
    },
    async cleanup(): Promise<void> {
      const closed = await Promise.allSettled(opened.reverse().map((resource) => resource.close()));
      await wipe(prefix);
      const failure = closed.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
}

async function wipe(prefix: string): Promise<void> {
  const queue = new Queue(PLAN_QUEUE_NAME, { connection: { url: redisUrl }, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  const client = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await client.quit();
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once `check` holds, checking after every `emitter` event; no timing assumptions beyond a bound. */
export function until(
  emitter: {
    on(event: string, listener: () => void): unknown;
    off(event: string, listener: () => void): unknown;
  },
  events: string[],
  check: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = () => {
      if (!check()) return;
      finish();
      resolve();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      for (const event of events) emitter.off(event, listener);
    };
    for (const event of events) emitter.on(event, listener);
    listener();
  });
}
