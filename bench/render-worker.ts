// A render worker process for bench/plan-fanout.ts: takes render jobs of one queue prefix, one at a time, and
// renders them from a local repository into the shared render cache. Stops on SIGTERM.
// Usage: node bench/render-worker.ts --prefix P --repo DIR --cache DIR [--redis URL]
import { parseArgs } from 'node:util';
import { renderRequests } from '../src/engine/render-requests.ts';
import { PlanCaches } from '../src/model/plan-caches.ts';
import { createRenderWorker } from '../src/queue/render-queue.ts';

const { values } = parseArgs({
  options: {
    prefix: { type: 'string' },
    repo: { type: 'string' },
    cache: { type: 'string' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const caches = new PlanCaches();
const worker = createRenderWorker({
  connection: values.redis!,
  prefix: values.prefix!,
  concurrency: 1,
  run: async (data) => {
    await renderRequests(data.requests, {
      ...data.plan,
      repoDir: values.repo!,
      cacheDir: values.cache!,
      caches,
    });
  },
});
await worker.worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
