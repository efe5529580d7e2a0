import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVER_QUEUE_NAME, DELIVER_TARGETS_QUEUE_NAME } from '../../src/queue/deliver-job.ts';
import { DRIFT_QUEUE_NAME } from '../../src/queue/drift-queue.ts';
import { PLAN_QUEUE_NAME } from '../../src/queue/plan-job.ts';
import { loadServerEnv } from '../../src/server/server-env.ts';
import { type RunningMergeplane, startServer } from '../../src/server/start-server.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from '../queue/redis-test-env.ts';
import { APP_ID, captureLogger, closedPort, generateAppKey, WEBHOOK_SECRET } from './server-test-env.ts';

const USER = 'ops';
// Random, so finding it in the logs cannot be a coincidence of a fixed string.
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

const RIGHT = { authorization: basic(USER, PASSWORD) };

async function start(extra: Record<string, string>, prefix: string, logger = captureLogger('trace').logger) {
  return startServer({
    env: loadServerEnv({
      APP_ID: String(APP_ID),
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET,
      GHE_HOST: `127.0.0.1:${await closedPort()}`,
      GHE_PROTOCOL: 'http',
      REDIS_URL: redisUrl,
      MERGEPLANE_QUEUE_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      // Delivery on without a cluster: the deliver queue exists (its worker is not started here).
      MERGEPLANE_DELIVERY: 'on',
      ...extra,
    }),
    logger,
    workers: [],
    processEnv: {},
  });
}

interface QueueSummary {
  name: string;
  counts: Record<string, number>;
  jobs: { id: string; name: string }[];
}

beforeAll(async () => {
  await assertRedisReachable();
});

describe('queue dashboard enabled', () => {
  const scope = createRedisScope();
  const captured = captureLogger('trace');
  let running: RunningMergeplane;
  let url: string;

  beforeAll(async () => {
    running = await start(
      { MERGEPLANE_DASHBOARD_USER: USER, MERGEPLANE_DASHBOARD_PASSWORD: PASSWORD },
      scope.prefix,
      captured.logger,
    );
    url = running.url!;
  });

  afterAll(async () => {
    await running?.close();
    await scope.cleanup();
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong user (with the right password)', basic('root', PASSWORD)],
    ['a wrong password', basic(USER, `${PASSWORD}x`)],
    ['an empty password', basic(USER, '')],
    ['a malformed header', 'Basic not base64!'],
    ['credentials without a colon', `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}`],
    ['another scheme', `Bearer ${PASSWORD}`],
  ])('answers 401 with a Basic challenge to %s, for the page and the API', async (_label, authorization) => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/nothing.js']) {
      const response = await fetch(`${url}${path}`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="mergeplane"');
      const body = await response.text();
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain(PLAN_QUEUE_NAME);
    }
  });

  it('serves the page and shows every queue with the jobs added to them', async () => {
    const planJob = await running.planQueue.queue.add('plan', {} as never, { jobId: 'dashboard-plan-job' });
    const deliverQueue = running.deliverQueue?.queue;
    expect(deliverQueue).toBeDefined();
    const deliverJob = await deliverQueue!.add('deliver', {} as never, { jobId: 'dashboard-deliver-job' });

    const page = await fetch(`${url}/admin/queues`, { headers: RIGHT });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    expect(html).toContain('<title>Mergeplane</title>');
    // The page's own scripts load through the same mount and the same auth.
    const script = /src="(static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}/admin/queues/${script}`, { headers: RIGHT });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);

    const api = await fetch(`${url}/admin/queues/api/queues?activeQueue=${PLAN_QUEUE_NAME}&status=waiting`, {
      headers: RIGHT,
    });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: QueueSummary[] };
    expect(queues.map((q) => q.name).sort()).toEqual(
      [DELIVER_QUEUE_NAME, DELIVER_TARGETS_QUEUE_NAME, DRIFT_QUEUE_NAME, PLAN_QUEUE_NAME].sort(),
    );
    const plan = queues.find((q) => q.name === PLAN_QUEUE_NAME)!;
    expect(plan.counts.waiting).toBe(1);
    expect(plan.jobs.map((j) => j.id)).toEqual([planJob.id]);
    expect(queues.find((q) => q.name === DELIVER_QUEUE_NAME)!.counts.waiting).toBe(1);

    const job = await fetch(`${url}/admin/queues/api/queues/${DELIVER_QUEUE_NAME}/${deliverJob.id}`, {
      headers: RIGHT,
    });
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ job: { id: deliverJob.id, name: 'deliver' } });
  });

  it('carries out a same-origin action and refuses a cross-site one', async () => {
    const pause = `${url}/admin/queues/api/queues/${PLAN_QUEUE_NAME}/pause`;
    const crossSite = await fetch(pause, {
      method: 'PUT',
      headers: { ...RIGHT, origin: 'https://attacker.example' },
    });
    expect(crossSite.status).toBe(403);
    const fetchSite = await fetch(pause, {
      method: 'PUT',
      headers: { ...RIGHT, 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchSite.status).toBe(403);
    expect(await running.planQueue.queue.isPaused()).toBe(false);

    const sameOrigin = await fetch(pause, { method: 'PUT', headers: { ...RIGHT, origin: url } });
    expect(sameOrigin.status).toBe(200);
    expect(await running.planQueue.queue.isPaused()).toBe(true);
    await running.planQueue.queue.resume();
  });

  it('leaves every other route as it was', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const queue of [PLAN_QUEUE_NAME, DELIVER_QUEUE_NAME, DELIVER_TARGETS_QUEUE_NAME]) {
      expect(metrics).toContain(`mergeplane_queue_jobs{queue="${queue}",state="waiting"}`);
    }
    expect((await fetch(`${url}/api/github/webhooks`)).status).toBe(405);
    for (const path of ['/admin/queuesx', '/admin', '/nope']) {
      expect((await fetch(`${url}${path}`, { headers: RIGHT })).status, path).toBe(404);
    }
    expect((await fetch(`${url}/admin/queues/no/such/page`, { headers: RIGHT })).status).toBe(404);
  });

  it('logs refused logins without any credential, and never the password', async () => {
    await fetch(`${url}/admin/queues`, { headers: { authorization: basic(PASSWORD, PASSWORD) } });
    const logged = captured.records.map((record) => JSON.stringify(record)).join('\n');
    expect(captured.records).toContainEqual(
      expect.objectContaining({ msg: 'dashboard login refused', reason: 'mismatch', path: '/admin/queues' }),
    );
    expect(captured.records).toContainEqual(
      expect.objectContaining({ msg: 'queue dashboard mounted', path: '/admin/queues' }),
    );
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
    expect(logged).not.toContain(RIGHT.authorization);
  });
});

describe('queue dashboard disabled', () => {
  const scope = createRedisScope();
  let running: RunningMergeplane;

  beforeAll(async () => {
    running = await start({}, scope.prefix);
  });

  afterAll(async () => {
    await running?.close();
    await scope.cleanup();
  });

  it('answers 404 under /admin/queues, credentials or not', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      for (const headers of [{}, RIGHT]) {
        const response = await fetch(`${running.url}${path}`, { headers });
        expect(response.status, path).toBe(404);
        expect(response.headers.get('www-authenticate')).toBeNull();
      }
    }
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
