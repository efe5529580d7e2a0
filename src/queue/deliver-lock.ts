import { randomUUID } from 'node:crypto';
import { DELIVER_QUEUE_NAME } from './deliver-job.ts';
import type { RedisClient } from './redis-connection.ts';

/** A held lock; renewed in the background until released. */
export interface LockLease {
  readonly resource: string;
  /** True while the lock is believed held (false after release or a failed renewal). */
  held(): boolean;
  release(): Promise<void>;
}

export interface ResourceLock {
  /** The lease, or undefined when someone else holds the resource. */
  tryAcquire(resource: string): Promise<LockLease | undefined>;
}

export interface ResourceLockOptions {
  redis: RedisClient;
  prefix: string;
  /** How long the lock outlives a dead holder; renewed every third of it while held. Default 30 s. */
  ttlMs?: number;
  /** Key namespace beside the queue's keys; default the deliver queue's. */
  namespace?: string;
  onLost?: (resource: string) => void;
}

// Compare-and-act on the holder's token: a lease that expired and was taken over is never renewed or freed.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One holder per resource (an Argo CD Application, a claim) across all workers: SET NX PX with a random token,
 * renewed while the job runs, released in `finally`, and expiring on its own if the worker dies.
 */
export function createResourceLock(options: ResourceLockOptions): ResourceLock {
  const { redis } = options;
  const ttlMs = options.ttlMs ?? 30_000;
  const namespace = options.namespace ?? DELIVER_QUEUE_NAME;
  const keyOf = (resource: string) => `${options.prefix}:${namespace}-lock:${resource}`;
  return {
    async tryAcquire(resource) {
      const key = keyOf(resource);
      const token = randomUUID();
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
      let held = true;
      const timer = setInterval(
        () => {
          redis.eval(RENEW, 1, key, token, String(ttlMs)).then(
            (renewed) => {
              if (renewed === 1 || !held) return;
              held = false;
              clearInterval(timer);
              options.onLost?.(resource);
            },
            // A Redis hiccup: the next renewal (or the expiry) decides.
            () => {},
          );
        },
        Math.max(10, Math.floor(ttlMs / 3)),
      );
      timer.unref();
      return {
        resource,
        held: () => held,
        async release() {
          if (!held) return;
          held = false;
          clearInterval(timer);
          await redis.eval(RELEASE, 1, key, token);
        },
      };
    },
  };
}
