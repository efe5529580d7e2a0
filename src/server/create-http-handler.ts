import type { IncomingMessage, ServerResponse } from 'node:http';
import { malformedWebhookReason } from '../github/malformed-webhook.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { type DashboardHandler, isDashboardPath } from './dashboard.ts';
import { type MetricsQueue, renderQueueMetrics } from './queue-metrics.ts';
import { QueueUnavailableError } from './queue-unavailable-error.ts';
import type { RedisHealth } from './redis-health.ts';

export const WEBHOOK_PATH = '/api/github/webhooks';
// GitHub caps webhook payloads at 25 MB.
const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

/** What the endpoint needs from Probot's `webhooks` (`verify` + `receive` is `verifyAndReceive` split in two). */
export interface WebhookReceiver {
  verify(payload: string, signature: string): Promise<boolean>;
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
}

export interface HttpHandlerOptions {
  /** Absent in worker-only mode: then only /healthz and /metrics are served. */
  webhooks?: WebhookReceiver;
  health: Pick<RedisHealth, 'check'>;
  /** Read on every scrape, so queues registered later are included. */
  queues: () => readonly MetricsQueue[];
  log: PlanLogger & { error(meta: Record<string, unknown>, message: string): void };
  /** True once shutdown began: new deliveries get 503 (GitHub can redeliver them). */
  isDraining: () => boolean;
  /** The queue dashboard (`/admin/queues`, own auth); absent: that path is 404 like any unknown one. */
  dashboard?: DashboardHandler;
}

type Reply = { status: number; body: string; contentType?: string };

function json(status: number, value: unknown): Reply {
  return { status, body: `${JSON.stringify(value)}\n`, contentType: 'application/json' };
}

class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Handler errors arrive from @octokit/webhooks as an AggregateError of each listener's error. */
function causes(error: unknown): unknown[] {
  return error instanceof AggregateError ? error.errors : [error];
}

function withDeadline<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One GitHub delivery: refused while draining or without GitHub's headers, a valid signature and a well-formed
 * payload; accepted (202) once its handler has enqueued; 503 when the queue is unavailable, 500 on other errors.
 */
async function answerWebhook(
  req: IncomingMessage,
  webhooks: WebhookReceiver,
  options: Pick<HttpHandlerOptions, 'log' | 'isDraining'>,
): Promise<Reply> {
  const { log } = options;
  const id = header(req, 'x-github-delivery');
  const name = header(req, 'x-github-event');
  const signature = header(req, 'x-hub-signature-256');
  const meta = { deliveryId: id, event: name };
  if (options.isDraining()) {
    log.warn(meta, 'webhook refused: shutting down');
    return json(503, { error: 'shutting down' });
  }
  if (id === undefined || name === undefined || signature === undefined) {
    log.warn(meta, 'webhook refused: missing GitHub headers');
    return json(400, { error: 'missing x-github-delivery, x-github-event or x-hub-signature-256' });
  }
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return json(413, { error: 'payload too large' });
    throw error;
  }
  if (!(await webhooks.verify(body, signature))) {
    log.warn(meta, 'webhook refused: signature does not match (check WEBHOOK_SECRET)');
    return json(400, { error: 'signature does not match' });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    log.warn(meta, 'webhook refused: payload is not JSON');
    return json(400, { error: 'payload is not JSON' });
  }
  const malformed = malformedWebhookReason(name, payload);
  if (malformed !== undefined) {
    log.warn({ ...meta, reason: malformed }, 'webhook refused: malformed payload');
    return json(400, { error: malformed });
  }
  try {
    await webhooks.receive({ id, name, payload });
  } catch (error) {
    const unavailable = causes(error).find((e) => e instanceof QueueUnavailableError);
    if (unavailable instanceof QueueUnavailableError) {
      log.warn({ ...meta, reason: unavailable.reason }, 'webhook not queued: queue unavailable');
      return json(503, { error: 'queue unavailable' });
    }
    log.error(
      {
        ...meta,
        errors: causes(error).map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))),
      },
      'webhook handler failed',
    );
    return json(500, { error: 'handler failed' });
  }
  return json(202, { accepted: id });
}

/**
 * The server's routes: the GitHub webhook endpoint, `/healthz` and `/metrics`. The webhook is answered once
 * its handler has enqueued (no git, no rendering in the request): 202 accepted, 400 unsigned or malformed,
 * 503 queue unavailable or shutting down (GitHub shows the delivery failed; it can be redelivered), 500 any
 * other handler error.
 */
export function createHttpHandler(
  options: HttpHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { log } = options;

  async function healthz(): Promise<Reply> {
    const redis = await options.health.check();
    if (options.isDraining()) return json(503, { status: 'draining', redis: redis.up ? 'up' : 'down' });
    return redis.up
      ? json(200, { status: 'ok', redis: 'up' })
      : json(503, { status: 'unavailable', redis: 'down', reason: redis.reason });
  }

  async function metrics(): Promise<Reply> {
    const redis = await options.health.check();
    const render = renderQueueMetrics({ queues: options.queues(), redisUp: redis.up });
    // A queue client that lost Redis between the check and the scrape must not hang the scraper.
    const body = await withDeadline(render, 3_000, () =>
      ['# mergeplane: queue counts timed out', 'mergeplane_redis_up 0', ''].join('\n'),
    );
    return { status: 200, body, contentType: 'text/plain; version=0.0.4; charset=utf-8' };
  }

  async function route(req: IncomingMessage): Promise<Reply> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === WEBHOOK_PATH && options.webhooks) {
      if (req.method !== 'POST') return json(405, { error: 'use POST' });
      return answerWebhook(req, options.webhooks, options);
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return healthz();
    if (path === '/metrics' && req.method === 'GET') return metrics();
    return json(404, { error: 'not found' });
  }

  return (req, res) => {
    const dashboard = options.dashboard;
    if (dashboard && isDashboardPath(new URL(req.url ?? '/', 'http://localhost').pathname)) {
      dashboard(req, res);
      return;
    }
    route(req)
      .catch((error: unknown): Reply => {
        log.error({ reason: error instanceof Error ? error.message : String(error) }, 'http request failed');
        return json(500, { error: 'internal error' });
      })
      .then((reply) => {
        res.writeHead(reply.status, {
          'content-type': reply.contentType ?? 'text/plain',
          'content-length': Buffer.byteLength(reply.body),
        });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
      });
  };
}
