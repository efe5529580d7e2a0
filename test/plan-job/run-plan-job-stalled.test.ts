import type { Job } from 'bullmq';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RepoCache } from '../../src/git/repo-cache.ts';
import { createRepoCache } from '../../src/git/repo-cache.ts';
import { CHECK_RUN_NAME } from '../../src/github/check-run-output.ts';
import { runPlanJob } from '../../src/plan-job/run-plan-job.ts';
import { type PlanJobData, planJobId } from '../../src/queue/plan-job.ts';
import { createPlanQueue } from '../../src/queue/plan-queue.ts';
import { createPlanWorker, type PlanWorkerOptions } from '../../src/queue/plan-worker.ts';
import { createPullRequestFixture, OWNER, REPO } from '../github/pull-request-fixture.ts';
import {
  assertRedisReachable,
  createRedisScope,
  deferred,
  redisUrl,
  until,
} from '../queue/redis-test-env.ts';
import { usePlanJobTestEnv } from './plan-job-test-env.ts';

const APP_ID = 77;
const CHECK_RUN_ID = 4242;
const PR = 1;
const TIMEOUT = 60_000;

const env = usePlanJobTestEnv({ serve: createPullRequestFixture, timeoutMs: TIMEOUT });
const { requests } = env;
let scope: ReturnType<typeof createRedisScope>;

beforeAll(async () => {
  await assertRedisReachable();
});

beforeEach(() => {
  scope = createRedisScope();
});

afterEach(async () => {
  await scope.cleanup();
});

function run(repoCache: RepoCache): PlanWorkerOptions['run'] {
  return async (data, ctx) => {
    await runPlanJob(
      data,
      env.deps({
        repoCache,
        logger: ctx.log,
        confirmHead: ctx.confirmHead,
        finalAttempt: ctx.finalAttempt,
        approvals: ctx.approvals,
        appId: APP_ID,
      }),
    );
  };
}

describe('a plan job whose worker died mid-job', () => {
  it(
    'is re-run by another worker, which takes the check run over: one comment, one completed check run',
    async () => {
      const head = env.fixture().heads[PR] ?? '';
      const listRuns = `/repos/${OWNER}/${REPO}/commits/${head}/check-runs`;
      const api = env.github();
      const run4242 = { id: CHECK_RUN_ID, name: CHECK_RUN_NAME, status: 'in_progress', app: { id: APP_ID } };
      // Another App's run of the same name is not ours to complete.
      const foreign = { id: 9, name: CHECK_RUN_NAME, status: 'in_progress', app: { id: 1 } };
      api
        .get(listRuns)
        .query(true)
        .reply(200, { total_count: 1, check_runs: [foreign] })
        .post(`/repos/${OWNER}/${REPO}/check-runs`)
        .reply(201, { id: CHECK_RUN_ID })
        .get(listRuns)
        .query(true)
        .reply(200, { total_count: 2, check_runs: [foreign, run4242] })
        .get(`/repos/${OWNER}/${REPO}/issues/${PR}/comments`)
        .query({ per_page: 100 })
        .reply(200, [])
        .post(`/repos/${OWNER}/${REPO}/issues/${PR}/comments`)
        .reply(201, { id: 1, html_url: 'https://github.com/acme/gitops/pull/1#issuecomment-1' })
        .patch(`/repos/${OWNER}/${REPO}/check-runs/${CHECK_RUN_ID}`)
        .reply(200, { id: CHECK_RUN_ID });

      const queue = scope.track(createPlanQueue({ connection: redisUrl, prefix: scope.prefix }));
      const locks = { lockDuration: 1_000, stalledInterval: 500 };
      const syncing = deferred();
      // The first worker gets as far as the check run, then hangs in the checkout like a killed process.
      const hanging: RepoCache = {
        sync: () => {
          syncing.resolve();
          return new Promise<never>(() => {});
        },
      };
      const first = createPlanWorker({
        connection: redisUrl,
        prefix: scope.prefix,
        concurrency: 1,
        run: run(hanging),
        ...locks,
      });
      scope.track({ close: () => first.close(true) });

      const data: PlanJobData = {
        deliveryId: 'delivery-1',
        installationId: 1,
        owner: OWNER,
        repo: REPO,
        pullNumber: PR,
        headSha: head,
        baseRef: 'main',
        headRef: 'feature',
        trigger: 'pull_request',
        author: 'alice',
      };
      await queue.enqueue(data);
      await syncing.promise;
      await first.close(true);

      const second = createPlanWorker({
        connection: redisUrl,
        prefix: scope.prefix,
        concurrency: 1,
        run: run(createRepoCache({ dir: env.cacheDir(), baseUrl: env.fixture().server.baseUrl })),
        ...locks,
      });
      scope.track({ close: () => second.close() });
      const finished: Job[] = [];
      second.worker.on('completed', (job) => finished.push(job));
      second.worker.on('failed', (job) => job && finished.push(job));
      await until(second.worker, ['completed', 'failed'], () => finished.length > 0, 'the re-run', TIMEOUT);

      expect(finished.map((job) => [job.id, job.returnvalue])).toEqual([[planJobId(data), 'planned']]);
      const calls = requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
      expect(calls.filter((c) => c === `POST /repos/${OWNER}/${REPO}/check-runs`)).toHaveLength(1);
      expect(calls.filter((c) => c === `POST /repos/${OWNER}/${REPO}/issues/${PR}/comments`)).toHaveLength(1);
      const completions = requests.filter((r) => r.method === 'PATCH');
      expect(completions.map((r) => new URL(r.url).pathname)).toEqual([
        `/repos/${OWNER}/${REPO}/check-runs/${CHECK_RUN_ID}`,
      ]);
      expect(JSON.parse(String(completions[0]?.body))).toMatchObject({
        status: 'completed',
        conclusion: 'action_required',
      });
    },
    TIMEOUT,
  );
});
