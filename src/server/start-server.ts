import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { Probot } from 'probot';
import { createApp } from '../app.ts';
import { createDeliverQueue, type DeliverQueue } from '../queue/deliver-queue.ts';
import { createDriftQueue, type DriftQueue } from '../queue/drift-queue.ts';
import { createPlanQueue, type PlanQueue } from '../queue/plan-queue.ts';
import { isClusterConnection, withRedisOptions } from '../queue/redis-connection.ts';
import { createHttpHandler } from './create-http-handler.ts';
import { createProbot, type OctokitTuning } from './create-probot.ts';
import { createDashboard, DASHBOARD_PATH } from './dashboard.ts';
import { createDeliverWorkerFactory } from './deliver-worker-factory.ts';
import { guardDeliverQueue } from './guard-deliver-queue.ts';
import { guardPlanQueue } from './guard-plan-queue.ts';
import { missingNodeFlags } from './node-flags.ts';
import { createPlanWorkerFactory } from './plan-worker-factory.ts';
import type { MetricsQueue } from './queue-metrics.ts';
import { createRedisHealth } from './redis-health.ts';
import { serverRedisConnection } from './redis-options-from-url.ts';
import { resolveDelivery } from './resolve-delivery.ts';
import type { ServerEnv } from './server-env.ts';
import type {
  ManagedQueue,
  ManagedWorker,
  QueueFactory,
  RuntimeContext,
  WorkerFactory,
} from './worker-factory.ts';

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export interface StartOptions {
  env: ServerEnv;
  /**
   * The queue workers this process runs; default the plan worker. Pass `[]` for a webhook-only server, or
   * `[...defaultWorkerFactories(), more]` to add workers (post-merge delivery).
   */
  workers?: WorkerFactory[];
  /** More queues to show on /metrics and close at shutdown (the plan queue is always there). */
  queues?: QueueFactory[];
  /** Default: pino on stdout at `env.logLevel`. */
  logger?: Logger;
  octokit?: OctokitTuning;
  /** How long shutdown waits for running jobs before leaving them to stalled-job recovery. */
  shutdownGraceMs?: number;
  /** Where KUBECONFIG / KUBERNETES_SERVICE_HOST are read for delivery. Default: `process.env`. */
  processEnv?: Record<string, string | undefined>;
}

export interface StartServerOptions extends StartOptions {}

export interface StartWorkersOptions extends StartOptions {
  /** Serve /healthz and /metrics on HOST:PORT (default true). */
  http?: boolean;
}

export interface RunningMergeplane {
  /** `http://HOST:PORT` actually bound (PORT=0 picks a free port); undefined without HTTP. */
  url: string | undefined;
  probot: Probot;
  /** The plan queue as the webhook handlers use it (writes fail fast when Redis is down). */
  planQueue: PlanQueue;
  /** Absent when post-merge delivery is off. */
  deliverQueue: DeliverQueue | undefined;
  logger: Logger;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

export function defaultWorkerFactories(): WorkerFactory[] {
  return [createPlanWorkerFactory(), createDeliverWorkerFactory()];
}

function delay(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

/** Each worker stops taking jobs, gets `graceMs` to finish the running ones, and is then closed (forced if late). */
async function closeWorkers(workers: readonly ManagedWorker[], graceMs: number, log: Logger): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      const outcome = await Promise.race([
        worker.pause().then(
          () => 'idle' as const,
          () => 'idle' as const,
        ),
        delay(graceMs),
      ]);
      if (outcome === 'timeout') {
        log.warn(
          { worker: worker.name, graceMs },
          'worker still busy at shutdown, leaving its jobs to stall recovery',
        );
      }
      await worker.close(outcome === 'timeout').catch((error: unknown) => {
        log.warn({ worker: worker.name, reason: String(error) }, 'worker close failed');
      });
    }),
  );
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

/** The Probot app's handlers, enqueueing through queues that fail fast while Redis is unavailable. */
async function loadWebhooks(
  probot: Probot,
  planQueue: PlanQueue,
  deliverQueue: DeliverQueue | undefined,
  health: ReturnType<typeof createRedisHealth>,
  driftQueue: DriftQueue | undefined,
): Promise<void> {
  const guardedDeliverQueue =
    deliverQueue === undefined ? undefined : guardDeliverQueue(deliverQueue, { health });
  await probot.load(
    createApp({
      planQueue: guardPlanQueue(planQueue, { health }),
      ...(guardedDeliverQueue === undefined
        ? {}
        : { deliverQueue: guardedDeliverQueue, deliveryRetrier: guardedDeliverQueue }),
      ...(driftQueue === undefined ? {} : { driftChecker: driftQueue }),
    }),
  );
}

/** The queues the webhooks write to; BullMQ re-emits connection errors on them, which must not crash the process. */
function producerQueues(
  env: StartOptions['env'],
  connection: Parameters<typeof createPlanQueue>[0]['connection'],
  withDelivery: boolean,
) {
  const planQueue = createPlanQueue({ connection, prefix: env.queuePrefix });
  planQueue.queue.on('error', () => undefined);
  const deliverQueue = withDelivery ? createDeliverQueue({ connection, prefix: env.queuePrefix }) : undefined;
  deliverQueue?.queue.on('error', () => undefined);
  deliverQueue?.targetQueue.on('error', () => undefined);
  // `/mergeplane drift` in the drift issue enqueues a check; the delivery workers run them.
  const driftQueue = withDelivery ? createDriftQueue({ connection, prefix: env.queuePrefix }) : undefined;
  driftQueue?.queue.on('error', () => undefined);
  const deliverQueues = [
    ...(deliverQueue === undefined ? [] : [deliverQueue.queue, deliverQueue.targetQueue]),
    ...(driftQueue === undefined ? [] : [driftQueue.queue]),
  ];
  return { planQueue, deliverQueue, driftQueue, deliverQueues };
}

/**
 * Stops a started Mergeplane: the HTTP server stops accepting, the workers finish or release their jobs within the
 * grace period, connections still open close, then the queues and the Redis health client.
 */
async function shutdown(o: {
  logger: Logger;
  server: Server | undefined;
  workers: ManagedWorker[];
  graceMs: number;
  closables: { close(): Promise<unknown> }[];
}): Promise<void> {
  const { logger, server } = o;
  logger.info({}, 'mergeplane shutting down');
  const httpClosed = server
    ? new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })
    : Promise.resolve();
  await closeWorkers(o.workers, o.graceMs, logger);
  // Requests still in flight had the time the workers took; keep-alive sockets go now.
  server?.closeAllConnections();
  await httpClosed;
  const closed = await Promise.allSettled(o.closables.map((c) => c.close()));
  for (const result of closed) {
    if (result.status === 'rejected') logger.warn({ reason: String(result.reason) }, 'close failed');
  }
  logger.info({}, 'mergeplane stopped');
}

/** The HTTP side: the webhook endpoint (when `probot` is given), /healthz, /metrics and the optional dashboard. */
async function startHttp(o: {
  env: StartOptions['env'];
  logger: Logger;
  probot: Probot | undefined;
  health: ReturnType<typeof createRedisHealth>;
  dashboardQueues: Parameters<typeof createDashboard>[0]['queues'];
  metricsQueues: MetricsQueue[];
  isDraining: () => boolean;
}): Promise<{ server: Server; url: string }> {
  const { env, logger, probot, health } = o;
  const { user, password } = env.dashboard;
  const dashboard =
    env.dashboard.enabled && user !== undefined && password !== undefined
      ? await createDashboard({
          queues: o.dashboardQueues,
          credentials: { user, password },
          log: logger.child({ component: 'dashboard' }),
        })
      : undefined;
  if (dashboard !== undefined) logger.info({ path: DASHBOARD_PATH }, 'queue dashboard mounted');
  const server = createServer(
    createHttpHandler({
      ...(probot
        ? {
            webhooks: {
              verify: (payload, signature) => probot.webhooks.verify(payload, signature),
              // Probot types each event name's payload; the endpoint has verified it came from GitHub.
              receive: (event) => probot.receive(event as Parameters<Probot['receive']>[0]),
            },
          }
        : {}),
      health,
      queues: () => o.metricsQueues,
      log: logger.child({ component: 'http' }),
      isDraining: o.isDraining,
      ...(dashboard === undefined ? {} : { dashboard }),
    }),
  );
  // GitHub waits 10 s for an answer; a connection that sends nothing for long is not GitHub.
  server.requestTimeout = 30_000;
  const url = await listen(server, env.port, env.host);
  return { server, url };
}

function warnOnMissingNodeFlags(logger: Logger): void {
  const missing = missingNodeFlags();
  if (missing.length === 0) return;
  logger.warn(
    { missing },
    'node started without the V8 heap settings of the image and npm scripts: large plans will hold more memory',
  );
}

/** The workers of this process, one factory at a time (a factory may decline: delivery without a cluster). */
async function createWorkers(
  factories: readonly WorkerFactory[],
  context: RuntimeContext,
): Promise<ManagedWorker[]> {
  const workers: ManagedWorker[] = [];
  for (const factory of factories) {
    const worker = await factory(context);
    if (worker !== undefined) workers.push(worker);
  }
  return workers;
}

async function start(
  options: StartOptions,
  mode: { webhooks: boolean; http: boolean },
): Promise<RunningMergeplane> {
  const { env } = options;
  const logger = options.logger ?? pino({ level: env.logLevel, base: { name: 'mergeplane' } });
  const redisOptions = serverRedisConnection(env);
  const producerConnection = withRedisOptions(redisOptions, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  });
  const health = createRedisHealth({ connection: redisOptions, log: logger.child({ component: 'redis' }) });
  warnOnMissingNodeFlags(logger);
  const probot = createProbot({
    env,
    logger,
    ...(options.octokit === undefined ? {} : { octokit: options.octokit }),
  });
  await probot.ready();

  const workerFactories = options.workers ?? defaultWorkerFactories();
  const delivery = resolveDelivery(env, options.processEnv ?? process.env, {
    runsWorkers: workerFactories.length > 0,
  });
  const { planQueue, deliverQueue, driftQueue, deliverQueues } = producerQueues(
    env,
    producerConnection,
    delivery.enqueue,
  );
  const context: RuntimeContext = {
    env,
    probot,
    logger,
    workerConnection: isClusterConnection(redisOptions) ? redisOptions : env.redisUrl,
    producerConnection,
    delivery,
  };
  // Webhooks that arrive while the clients are still connecting would be refused (503): give the first
  // connection attempt its moment. A Redis that is down does not stop the start; /healthz reports it.
  await health.firstAttempt(5_000);
  if (health.isReady()) {
    await Promise.race([planQueue.queue.waitUntilReady().catch(() => undefined), delay(5_000)]);
  }
  const extraQueues: ManagedQueue[] = (options.queues ?? []).map((factory) => factory(context));
  const metricsQueues: MetricsQueue[] = [
    planQueue.queue,
    ...deliverQueues,
    ...extraQueues.map((q) => q.metrics),
  ];

  if (mode.webhooks) await loadWebhooks(probot, planQueue, deliverQueue, health, driftQueue);

  const workers = await createWorkers(workerFactories, context);

  let draining = false;
  const { server, url } = mode.http
    ? await startHttp({
        env,
        logger,
        probot: mode.webhooks ? probot : undefined,
        health,
        dashboardQueues: [planQueue.queue, ...deliverQueues],
        metricsQueues,
        isDraining: () => draining,
      })
    : { server: undefined, url: undefined };
  logger.info(
    {
      url,
      webhooks: mode.webhooks,
      workers: workers.map((w) => w.name),
      prefix: env.queuePrefix,
      delivery: delivery.enqueue,
      ...(delivery.reason === undefined ? {} : { deliveryNote: delivery.reason }),
    },
    'mergeplane started',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    draining = true;
    closing ??= shutdown({
      logger,
      server,
      workers,
      graceMs: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
      closables: [
        planQueue,
        ...[deliverQueue, driftQueue].filter((q) => q !== undefined),
        ...extraQueues,
        health,
      ],
    });
    return closing;
  };

  return { url, probot, planQueue, deliverQueue, logger, close };
}

/** `mergeplane server`: the webhook endpoint, /healthz and /metrics, and (by default) the workers. */
export function startServer(options: StartServerOptions): Promise<RunningMergeplane> {
  return start(options, { webhooks: true, http: true });
}

/** `mergeplane worker`: the workers alone (scale them out), with /healthz and /metrics unless `http: false`. */
export function startWorkers(options: StartWorkersOptions): Promise<RunningMergeplane> {
  return start(options, { webhooks: false, http: options.http ?? true });
}
