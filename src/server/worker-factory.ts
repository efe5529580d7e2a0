import type { Logger } from 'pino';
import type { Probot } from 'probot';
import type { RedisConnection } from '../queue/redis-connection.ts';
import type { MetricsQueue } from './queue-metrics.ts';
import type { DeliverySetup } from './resolve-delivery.ts';
import type { ServerEnv } from './server-env.ts';

/** What every worker and queue factory gets: one Probot, one logger, one Redis. */
export interface RuntimeContext {
  env: ServerEnv;
  probot: Probot;
  logger: Logger;
  /** For workers: BullMQ's blocking connections keep ioredis' offline queue and reconnect forever. */
  workerConnection: RedisConnection;
  /** For producers in the webhook path: no offline queue, so a Redis outage fails at once. */
  producerConnection: RedisConnection;
  /** Whether post-merge delivery is enqueued, and the cluster its worker uses (if this process can). */
  delivery: DeliverySetup;
}

/** A running queue worker as the process manages it. */
export interface ManagedWorker {
  readonly name: string;
  /** Stops taking new jobs; resolves once the running ones finished. */
  pause(): Promise<void>;
  /** `force`: do not wait for running jobs; their locks lapse and another worker retries them (stalled). */
  close(force: boolean): Promise<void>;
}

/** `undefined`: the worker does not run in this process (e.g. delivery without a cluster configuration). */
export type WorkerFactory = (
  context: RuntimeContext,
) => ManagedWorker | undefined | Promise<ManagedWorker | undefined>;

/** A queue the process writes to or reports on: shown on /metrics, closed at shutdown. */
export interface ManagedQueue {
  readonly metrics: MetricsQueue;
  close(): Promise<void>;
}

export type QueueFactory = (context: RuntimeContext) => ManagedQueue;
