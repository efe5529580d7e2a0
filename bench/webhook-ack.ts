// Webhook acknowledgement latency of `mergeplane server` on loopback: 200 signed `pull_request.synchronize`
// deliveries (distinct pull requests and head SHAs), sent one after another, each timed from the request to
// the end of the response. Real Redis (REDIS_URL, default 127.0.0.1:6379) under a random key prefix that is
// wiped afterwards; workers off, so only the acknowledgement (verify + enqueue) is measured.
//   node bench/webhook-ack.ts [--count 200] [--warmup 20]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { PLAN_QUEUE_NAME } from '../src/queue/plan-job.ts';
import { DEFAULT_REDIS_URL, loadServerEnv } from '../src/server/server-env.ts';
import { startServer } from '../src/server/start-server.ts';
import {
  APP_ID,
  closedPort,
  deliver,
  generateAppKey,
  pullRequestPayload,
  WEBHOOK_SECRET,
} from '../test/server/server-test-env.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' } },
});
const count = Number(values.count);
const warmup = Number(values.warmup);
const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const prefix = `mp-bench-${randomBytes(6).toString('hex')}`;

const env = loadServerEnv({
  APP_ID: String(APP_ID),
  PRIVATE_KEY: generateAppKey(),
  WEBHOOK_SECRET,
  // No GitHub call happens while acknowledging a pull_request event: nothing listens there.
  GHE_HOST: `127.0.0.1:${await closedPort()}`,
  GHE_PROTOCOL: 'http',
  REDIS_URL: redisUrl,
  MERGEPLANE_QUEUE_PREFIX: prefix,
  HOST: '127.0.0.1',
  PORT: '0',
});
const server = await startServer({ env, workers: [], logger: pino({ level: 'warn' }) });
const url = server.url!;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sha = () => randomBytes(20).toString('hex');
const timings: number[] = [];
try {
  for (let i = 0; i < warmup + count; i += 1) {
    const payload = pullRequestPayload('synchronize', { number: 10_000 + i, headSha: sha(), baseSha: sha() });
    const started = performance.now();
    const { status } = await deliver(url, 'pull_request', payload, { id: `bench-${i}` });
    const ms = performance.now() - started;
    if (status !== 202) throw new Error(`delivery ${i} answered ${status}`);
    if (i >= warmup) timings.push(ms);
  }
  const counts = await server.planQueue.queue.getJobCounts('waiting');
  const sorted = [...timings].sort((a, b) => a - b);
  const mean = timings.reduce((a, b) => a + b, 0) / timings.length;
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  process.stdout.write(
    [
      `webhook acknowledge latency, ${count} pull_request.synchronize deliveries on loopback (after ${warmup} warm-up), Node ${process.version}`,
      `  p50 ${fmt(percentile(sorted, 50))}   p99 ${fmt(percentile(sorted, 99))}   max ${fmt(sorted.at(-1)!)}   mean ${fmt(mean)}`,
      `  jobs waiting in the plan queue: ${counts.waiting} (every delivery queued one)`,
      '',
    ].join('\n'),
  );
} finally {
  await server.close();
  const queue = new Queue(PLAN_QUEUE_NAME, { connection: { url: redisUrl }, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
}
