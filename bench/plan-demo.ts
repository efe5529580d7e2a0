// Plan latency of the demo repository through the started server and the loopback GitHub stand-in: the time
// from sending the webhook to the check run's completion. Cold: empty render cache and no clone (the worker
// clones over HTTP); warm: `/mergeplane plan` again on the same head (clone fetched, renders cached).
// Measured twice: with Probot's Octokit as shipped (its throttling plugin spaces writes ~1 s apart per
// installation) and with that spacing off, which shows the planning itself.
//   node bench/plan-demo.ts
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { PLAN_QUEUE_NAME } from '../src/queue/plan-job.ts';
import type { OctokitTuning } from '../src/server/create-probot.ts';
import { DEFAULT_REDIS_URL, loadServerEnv } from '../src/server/server-env.ts';
import { startServer } from '../src/server/start-server.ts';
import {
  APP_ID,
  commentPayload,
  createDemoGitHubRepo,
  deliver,
  demoPull,
  demoServerVariables,
  generateAppKey,
  pullRequestPayload,
} from '../test/server/server-test-env.ts';
import { startFakeGitHub } from '../test/support/fake-github-server.ts';

const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const privateKey = generateAppKey();

async function wipe(prefix: string): Promise<void> {
  const queue = new Queue(PLAN_QUEUE_NAME, { connection: { url: redisUrl }, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  const client = new Redis(redisUrl);
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
}

async function measure(label: string, octokit: OctokitTuning | undefined): Promise<string> {
  const repo = createDemoGitHubRepo();
  const fake = await startFakeGitHub({
    appId: APP_ID,
    privateKey,
    gitRoot: repo.gitRoot,
    permissions: { 'octo-writer': 'write' },
    pulls: demoPull(repo),
  });
  const prefix = `mp-bench-${randomBytes(6).toString('hex')}`;
  const env = loadServerEnv({
    ...demoServerVariables({ fake, repo, privateKey, redisUrl }),
    MERGEPLANE_QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const server = await startServer({
    env,
    logger: pino({ level: 'warn' }),
    ...(octokit === undefined ? {} : { octokit }),
  });
  const completedRuns = () => fake.checkRuns.filter((r) => r.status === 'completed').length;
  const timeUntilCompleted = async (send: () => Promise<{ status: number }>): Promise<number> => {
    const target = completedRuns() + 1;
    const started = performance.now();
    const done = new Promise<number>((resolve) => {
      const listener = () => {
        if (completedRuns() < target) return;
        fake.off('request', listener);
        resolve(performance.now() - started);
      };
      fake.on('request', listener);
    });
    const { status } = await send();
    if (status !== 202) throw new Error(`webhook answered ${status}`);
    return done;
  };
  try {
    const cold = await timeUntilCompleted(() =>
      deliver(
        server.url!,
        'pull_request',
        pullRequestPayload('opened', { number: 1, headSha: repo.demo.head, baseSha: repo.demo.base }),
      ),
    );
    const warm = await timeUntilCompleted(() =>
      deliver(server.url!, 'issue_comment', commentPayload(1, 'octo-writer', '/mergeplane plan', 77)),
    );
    const conclusion = fake.checkRuns.at(-1)?.conclusion;
    return `  ${label}: cold ${Math.round(cold)} ms, warm ${Math.round(warm)} ms (conclusion ${conclusion})`;
  } finally {
    await server.close();
    await fake.close();
    await wipe(prefix);
    repo.cleanup();
  }
}

const lines = [
  `demo plan latency, webhook sent → check run completed (loopback GitHub stand-in, Node ${process.version})`,
  await measure("Probot's Octokit as shipped (writes spaced ~1 s)", undefined),
  await measure('throttling off (planning and requests only)', { throttle: { enabled: false } }),
];
process.stdout.write(`${lines.join('\n')}\n`);
