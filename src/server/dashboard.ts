import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { type BasicCredentials, checkBasicAuth } from './dashboard-auth.ts';

export const DASHBOARD_PATH = '/admin/queues';
export const DASHBOARD_REALM = 'mergeplane';

export interface DashboardOptions {
  /** The BullMQ queues shown (the plan queue, and the two deliver queues when delivery is on). */
  queues: readonly Queue[];
  credentials: BasicCredentials;
  log: PlanLogger;
}

/** Serves every request whose path is `DASHBOARD_PATH` or below it. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of the Express app behind `ExpressAdapter#getRouter()` that is used here. */
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse, done: (error?: unknown) => void): void;
  disable(setting: string): unknown;
}

export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PATH || pathname.startsWith(`${DASHBOARD_PATH}/`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers resend Basic credentials on their own, so another site could make a logged-in operator's browser
 * POST to the dashboard; the dashboard's own page always calls it from its own origin.
 */
function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The bull-board queue dashboard behind HTTP Basic auth, for a plain `node:http` server. bull-board (and
 * Express under it) is loaded here, on first use, so a server without a dashboard never loads it.
 */
export async function createDashboard(options: DashboardOptions): Promise<DashboardHandler> {
  const { log, credentials } = options;
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Mergeplane' } },
  });
  const app: ExpressApp = serverAdapter.getRouter();
  app.disable('x-powered-by');

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const meta = { path: url.pathname, method: req.method, remote: req.socket.remoteAddress };
    const outcome = checkBasicAuth(req.headers.authorization, credentials);
    if (outcome !== 'ok') {
      // A browser's first request never carries credentials: only a wrong or garbled answer is worth a line.
      if (outcome !== 'missing') log.warn({ ...meta, reason: outcome }, 'dashboard login refused');
      reply(res, 401, `${JSON.stringify({ error: 'authentication required' })}\n`, {
        'www-authenticate': `Basic realm="${DASHBOARD_REALM}"`,
      });
      return;
    }
    if (!SAFE_METHODS.has(req.method ?? 'GET') && isCrossSite(req)) {
      log.warn(meta, 'dashboard request refused: cross-site');
      reply(res, 403, `${JSON.stringify({ error: 'cross-site request refused' })}\n`);
      return;
    }
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cache-control', 'no-store');
    // bull-board routes are relative to where it is mounted, as Express's `app.use(path, router)` would pass them.
    req.url = `${url.pathname.slice(DASHBOARD_PATH.length) || '/'}${url.search}`;
    app(req, res, (error) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error === undefined) {
        reply(res, 404, `${JSON.stringify({ error: 'not found' })}\n`);
        return;
      }
      log.warn(
        { ...meta, reason: error instanceof Error ? error.message : String(error) },
        'dashboard request failed',
      );
      reply(res, 500, `${JSON.stringify({ error: 'internal error' })}\n`);
    });
  };
}
