import { beforeAll, expect, it } from 'vitest';
import { loadServerEnv, type ServerEnv } from '../../src/server/server-env.ts';
import { startWorkers } from '../../src/server/start-server.ts';
import type { ManagedWorker } from '../../src/server/worker-factory.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from '../queue/redis-test-env.ts';
import { APP_ID, captureLogger, closedPort, generateAppKey, WEBHOOK_SECRET } from './server-test-env.ts';

beforeAll(async () => {
  await assertRedisReachable();
});

/** The server env of a test queue (`prefix`), plus `extra` settings. */
function workerEnv(prefix: string, extra: Record<string, string> = {}): ServerEnv {
  return loadServerEnv({
    APP_ID: String(APP_ID),
    PRIVATE_KEY: generateAppKey(),
    WEBHOOK_SECRET,
    REDIS_URL: redisUrl,
    MERGEPLANE_QUEUE_PREFIX: prefix,
    ...extra,
  });
}

/** A worker that records its close into `events`; `pause` defaults to recording too. */
function recordingWorker(
  name: string,
  events: string[],
  pause = async () => {
    events.push('pause');
  },
): ManagedWorker {
  return {
    name,
    pause,
    close: async (force) => {
      events.push(`close force=${force}`);
    },
  };
}

it('mergeplane worker: runs the given workers, serves /healthz and /metrics but no webhook endpoint, and closes them', async () => {
  const scope = createRedisScope();
  const events: string[] = [];
  const worker = recordingWorker('probe', events);
  const running = await startWorkers({
    env: workerEnv(scope.prefix, {
      GHE_HOST: `127.0.0.1:${await closedPort()}`,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: '0',
    }),
    logger: captureLogger('fatal').logger,
    workers: [() => worker],
  });
  try {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${running.url}/metrics`)).text()).toContain(
      'mergeplane_queue_jobs{queue="mergeplane-plan",state="waiting"} 0\n',
    );
    expect((await fetch(`${running.url}/api/github/webhooks`, { method: 'POST', body: '{}' })).status).toBe(
      404,
    );
  } finally {
    await running.close();
    await scope.cleanup();
  }
  expect(events).toEqual(['pause', 'close force=false']);
});

it('forces the close of a worker still busy after the shutdown grace (its jobs are left to stall recovery)', async () => {
  const scope = createRedisScope();
  const events: string[] = [];
  const busy = recordingWorker('busy', events, () => new Promise<void>(() => undefined));
  const running = await startWorkers({
    env: workerEnv(scope.prefix),
    logger: captureLogger('fatal').logger,
    workers: [() => busy],
    http: false,
    shutdownGraceMs: 20,
  });
  expect(running.url).toBeUndefined();
  await running.close();
  await scope.cleanup();
  expect(events).toEqual(['close force=true']);
});
