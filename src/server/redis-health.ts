import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { isClusterConnection, type RedisClusterConnection } from '../queue/redis-connection.ts';

export type RedisHealthStatus = { up: true } | { up: false; reason: string };

export interface RedisHealth {
  /** Connected right now (no I/O): a cheap gate before any queue write. */
  isReady(): boolean;
  /** Why Redis is down, from the last connection error; undefined while connected. */
  reason(): string | undefined;
  /** PING with a deadline. */
  check(timeoutMs?: number): Promise<RedisHealthStatus>;
  /** Resolves after the first connection attempt succeeded or failed (or after `timeoutMs`). */
  firstAttempt(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface RedisHealthOptions {
  connection: RedisOptions | RedisClusterConnection;
  log: PlanLogger;
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/**
 * A dedicated client that only watches Redis: no offline queue (a PING while disconnected fails at once
 * instead of waiting), and reconnects at most 2 s apart so recovery is seen quickly. Logs each transition
 * once rather than every failed reconnect.
 */
export function createRedisHealth(options: RedisHealthOptions): RedisHealth {
  const { log } = options;
  let lastError: string | undefined = 'connecting';
  let wasUp = false;
  const retry = (times: number) => Math.min(times * 200, 2_000);
  const watch = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 5_000 };
  const { connection } = options;
  const client = isClusterConnection(connection)
    ? new Cluster(connection.cluster, {
        redisOptions: { ...connection.redisOptions, ...watch },
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
      })
    : new Redis({ ...connection, ...watch, retryStrategy: retry });
  client.on('error', (error: unknown) => {
    const reason = describe(error);
    if (wasUp || lastError === 'connecting') log.warn({ reason }, 'redis unavailable');
    lastError = reason;
    wasUp = false;
  });
  client.on('ready', () => {
    if (!wasUp && lastError !== 'connecting') log.info({}, 'redis available again');
    lastError = undefined;
    wasUp = true;
  });
  client.on('close', () => {
    if (wasUp) lastError = 'connection closed';
    wasUp = false;
  });

  const attempted = new Promise<void>((resolve) => {
    client.once('ready', () => resolve());
    client.once('error', () => resolve());
  });

  return {
    isReady: () => client.status === 'ready',
    async firstAttempt(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        attempted,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
    reason: () => (client.status === 'ready' ? undefined : (lastError ?? client.status)),
    async check(timeoutMs = 1_000) {
      if (client.status !== 'ready') return { up: false, reason: lastError ?? client.status };
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<RedisHealthStatus>((resolve) => {
        timer = setTimeout(
          () => resolve({ up: false, reason: `no PING answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([client.ping().then((): RedisHealthStatus => ({ up: true })), deadline]);
      } catch (error) {
        return { up: false, reason: describe(error) };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (client.status === 'end') return;
      // quit() needs a live connection; a client stuck reconnecting is simply dropped.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
