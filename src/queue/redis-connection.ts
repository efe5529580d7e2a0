import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: a `redis://` / `rediss://` URL or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** A client of our own for the plan state keys; BullMQ keeps its connections to itself. */
export function createRedisClient(connection: RedisConnection, overrides: RedisOptions = {}): Redis {
  return typeof connection === 'string'
    ? new Redis(connection, overrides)
    : new Redis({ ...connection, ...overrides });
}

export function toBullConnection(
  connection: RedisConnection,
  overrides: RedisOptions = {},
): ConnectionOptions {
  const { retryStrategy, ...options }: RedisOptions =
    typeof connection === 'string' ? { ...overrides } : { ...connection, ...overrides };
  // ioredis 6 allows `retryStrategy: null` (never reconnect); BullMQ's option type predates it.
  const strategy = retryStrategy ?? (() => null);
  return {
    ...options,
    ...(typeof connection === 'string' ? { url: connection } : {}),
    ...(retryStrategy === undefined ? {} : { retryStrategy: strategy }),
  };
}
