import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDemoRepo, type DemoRepo } from '../../scripts/build-demo-repo.ts';
import { RepoSyncError } from '../../src/git/repo-cache.ts';
import type { PlanLogger } from '../../src/plan/plan-logger.ts';
import { type RunPlanJobDeps, runPlanJob } from '../../src/plan-job/run-plan-job.ts';
import { PermanentPlanError } from '../../src/queue/permanent-plan-error.ts';
import type { PlanJobData } from '../../src/queue/plan-job.ts';
import { type ServedRepo, serveRefs } from '../github/pull-request-fixture.ts';
import { usePlanJobTestEnv } from './plan-job-test-env.ts';

const OWNER = 'mergeplane';
const REPO = 'demo-gitops';
const PR = 7;
const CHECK_RUN_ID = 4242;
const COMMENT_ID = 99;
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const CHECK_RUN = `${CHECK_RUNS}/${CHECK_RUN_ID}`;
const COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`;
const COMMENT_URL = `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${COMMENT_ID}`;
// Plans of the whole demo render helm and kustomize apps: seconds, not milliseconds.
const PLAN_TIMEOUT = 120_000;

/** The demo repository (scripts/build-demo-repo.ts) served with its change as pull request #7. */
async function serveDemo(): Promise<ServedRepo & { demo: DemoRepo }> {
  const root = mkdtempSync(join(tmpdir(), 'mergeplane-run-plan-'));
  try {
    const demo = buildDemoRepo(join(root, 'demo'));
    const served = await serveRefs({
      source: demo.dir,
      owner: OWNER,
      repo: REPO,
      refs: ['main:refs/heads/main', `demo-change:refs/pull/${PR}/head`],
    });
    return { ...served, demo };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const env = usePlanJobTestEnv({ serve: serveDemo });
const { bodies, requests } = env;
const demo = () => env.fixture().demo;

function github(): nock.Scope {
  // Every plan first looks for an unfinished run of its head to take over; none here.
  return env
    .github()
    .get(listRuns())
    .query({ check_name: 'Mergeplane / plan', filter: 'latest', per_page: 100 })
    .reply(200, { total_count: 0, check_runs: [] });
}

/** The check run is created, then takes any number of progress updates (the shortest interval) before its result. */
function runningWithProgress(): nock.Scope {
  return github()
    .post(CHECK_RUNS)
    .reply(201, { id: CHECK_RUN_ID })
    .patch(CHECK_RUN, (body: { status?: string }) => body.status === 'in_progress')
    .reply(200, { id: CHECK_RUN_ID })
    .persist();
}

/** No plan comment yet: the job lists the comments and posts the first part. */
function newPlanComment(scope: nock.Scope): nock.Scope {
  return scope
    .get(COMMENTS)
    .query({ per_page: 100 })
    .reply(200, [])
    .post(COMMENTS)
    .reply(201, {
      id: COMMENT_ID,
      body: 'plan',
      html_url: COMMENT_URL,
      user: { login: 'mergeplane[bot]', type: 'Bot' },
    });
}

const listRuns = () => `/repos/${OWNER}/${REPO}/commits/${demo().head}/check-runs`;

function jobData(): PlanJobData {
  return {
    deliveryId: 'delivery-1',
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: PR,
    headSha: demo().head,
    baseRef: 'main',
    headRef: 'demo-change',
    trigger: 'pull_request',
  };
}

const warnings: string[] = [];
const logger: PlanLogger = {
  debug() {},
  info() {},
  warn(_meta, message) {
    warnings.push(message);
  },
};

function deps(
  overrides: Partial<Pick<RunPlanJobDeps, 'token' | 'currentHead' | 'finalAttempt' | 'planCurrentHead'>> = {},
): RunPlanJobDeps {
  return env.deps({ logger, ...overrides });
}

function calls(): string[] {
  return requests.map(({ method, url }) => `${method} ${new URL(url).pathname}`);
}

beforeEach(() => {
  warnings.length = 0;
});

describe('runPlanJob', () => {
  it(
    'plans the demo pull request, posts the comment and completes the check run',
    async () => {
      const scope = newPlanComment(github().post(CHECK_RUNS).reply(201, { id: CHECK_RUN_ID }))
        .patch(CHECK_RUN)
        .reply(200, { id: CHECK_RUN_ID });

      const started = performance.now();
      const result = await runPlanJob(jobData(), deps());
      const elapsed = performance.now() - started;
      // Measured, not asserted (no timed assertions here): the wall time of a whole demo plan job.
      console.info(`run-plan-job demo wall time: ${elapsed.toFixed(0)} ms`);

      scope.done();
      expect(result).toEqual({
        outcome: 'published',
        conclusion: 'success',
        commentUrls: [COMMENT_URL],
        report: expect.objectContaining({ version: 1, head: demo().head }),
      });
      expect(calls()).toEqual([
        `GET ${listRuns()}`,
        `POST ${CHECK_RUNS}`,
        `GET ${COMMENTS}`,
        `POST ${COMMENTS}`,
        `PATCH ${CHECK_RUN}`,
      ]);
      expect(bodies('POST', CHECK_RUNS)).toEqual([
        expect.objectContaining({ name: 'Mergeplane / plan', head_sha: demo().head, status: 'in_progress' }),
      ]);
      const [posted] = bodies('POST', COMMENTS);
      for (const app of ['podinfo-production', 'guestbook-prod-eu', 'notifications']) {
        expect(posted?.body).toContain(app);
      }
      const [completed] = bodies('PATCH', CHECK_RUN);
      expect(completed).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(completed).not.toHaveProperty('head_sha');
      expect(JSON.stringify(completed)).toContain(COMMENT_URL);
      // The JSON report rides along in the check run's text, collapsed, and parses back to the plan.
      const text = String((completed?.output as { text?: string } | undefined)?.text);
      const json =
        /<details><summary>JSON report<\/summary>\n\n(`{3,})json\n([\s\S]*?)\n\1\n\n<\/details>$/.exec(text);
      expect(JSON.parse(json?.[2] ?? 'null')).toMatchObject({ version: 1, head: demo().head });
      expect(warnings).toEqual([]);
    },
    PLAN_TIMEOUT,
  );

  it(
    'publishes no comment when GitHub reports a newer head by the time the plan is ready, and ends the run as not mergeable',
    async () => {
      const scope = github()
        .post(CHECK_RUNS)
        .reply(201, { id: CHECK_RUN_ID })
        .patch(CHECK_RUN)
        .reply(200, { id: CHECK_RUN_ID });
      const newer = 'f'.repeat(40);
      let asked = 0;
      const queued: string[] = [];
      const result = await runPlanJob(
        jobData(),
        deps({
          // Current when the job starts; a newer commit by the time it publishes.
          currentHead: async (data) => ({
            open: true,
            headSha: asked++ === 0 ? data.headSha : newer,
            baseRef: 'main',
            headRef: 'demo-change',
          }),
          planCurrentHead: async (current) => {
            queued.push(current.headSha);
          },
        }),
      );

      scope.done();
      expect(result).toEqual({ outcome: 'superseded', conclusion: 'cancelled' });
      expect(calls()).toEqual([`GET ${listRuns()}`, `POST ${CHECK_RUNS}`, `PATCH ${CHECK_RUN}`]);
      // `cancelled` (unlike `neutral`) never satisfies a required check.
      expect(bodies('PATCH', CHECK_RUN)).toEqual([
        expect.objectContaining({ status: 'completed', conclusion: 'cancelled' }),
      ]);
      expect(queued).toEqual([newer]);
    },
    PLAN_TIMEOUT,
  );

  it(
    'shows the progress in the running check run before the result replaces it',
    async () => {
      newPlanComment(runningWithProgress())
        .patch(CHECK_RUN, (body: { status?: string }) => body.status === 'completed')
        .reply(200, { id: CHECK_RUN_ID });
      await runPlanJob(jobData(), env.deps({ logger, progressIntervalMs: 1 }));
      const patches = bodies('PATCH', CHECK_RUN);
      const completed = patches.pop();
      expect(completed).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(patches.length).toBeGreaterThan(0);
      const titles = patches.map((p) => (p.output as { title: string }).title);
      for (const patch of patches) expect(Object.keys(patch).sort()).toEqual(['output', 'status']);
      // Phases in order; the last one shown is at most the last before the result.
      const phases = ['Reading', 'Discovering', 'Rendering', 'Planning Crossplane', 'Validating'];
      const order = titles.map((t) => phases.findIndex((p) => t.startsWith(p)));
      expect(order).not.toContain(-1);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(warnings).toEqual([]);
    },
    PLAN_TIMEOUT,
  );

  it(
    "shows the progress in a merge group's running check run too, before its result",
    async () => {
      runningWithProgress()
        .patch(CHECK_RUN, (body: { status?: string }) => body.status === 'completed')
        .reply(200, { id: CHECK_RUN_ID });
      const group = { baseSha: demo().base, headRef: 'refs/heads/gh-readonly-queue/main/pr-7-0000000' };
      const result = await runPlanJob(
        { ...jobData(), mergeGroup: group },
        env.deps({ logger, progressIntervalMs: 1 }),
      );
      expect(result).toEqual({ outcome: 'published', conclusion: 'success' });
      const patches = bodies('PATCH', CHECK_RUN);
      expect(patches.pop()).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(patches.length).toBeGreaterThan(0);
      for (const patch of patches) expect(patch).toMatchObject({ status: 'in_progress' });
      const titles = patches.map((p) => (p.output as { title: string }).title);
      expect(titles.some((t) => /^Rendering \d+ of \d+ affected apps?$/.test(t))).toBe(true);
      // A merge group has no conversation: no comment is listed or posted.
      expect(calls().some((c) => c.includes('/comments'))).toBe(false);
      expect(warnings).toEqual([]);
    },
    PLAN_TIMEOUT,
  );

  it('does nothing for a head that is not the pull request head when the job starts but queue the current one', async () => {
    const scope = github();
    const current = { open: true, headSha: 'e'.repeat(40), baseRef: 'main', headRef: 'demo-change' };
    const queued: string[] = [];
    const result = await runPlanJob(
      jobData(),
      deps({
        currentHead: async () => current,
        planCurrentHead: async (head) => {
          queued.push(head.headSha);
        },
      }),
    );
    scope.done();
    expect(result).toEqual({ outcome: 'stale' });
    // Only the look-up of an open run of the stale head (none): no run created, no comment.
    expect(calls()).toEqual([`GET ${listRuns()}`]);
    expect(queued).toEqual([current.headSha]);
  });

  it('leaves the check run in progress with the reason when a retry follows', async () => {
    const scope = github()
      .post(CHECK_RUNS)
      .reply(201, { id: CHECK_RUN_ID })
      .patch(CHECK_RUN)
      .reply(200, { id: CHECK_RUN_ID });
    // A transient failure (the connection to git dropped).
    const flaky = { sync: async () => Promise.reject(new Error('read ECONNRESET')) };
    const error = await runPlanJob(jobData(), { ...deps({ finalAttempt: false }), repoCache: flaky }).catch(
      (e: unknown) => e,
    );
    scope.done();
    expect(error).toBeInstanceOf(Error);
    const [update] = bodies('PATCH', CHECK_RUN);
    expect(update).not.toHaveProperty('status');
    expect(update).not.toHaveProperty('conclusion');
    expect(update).toMatchObject({ output: { title: 'Plan attempt failed; retrying' } });
  });

  it('completes the check run as failure and fails permanently when git refuses the token', async () => {
    const scope = github()
      .post(CHECK_RUNS)
      .reply(201, { id: CHECK_RUN_ID })
      .patch(CHECK_RUN)
      .reply(200, { id: CHECK_RUN_ID });

    const error = await runPlanJob(jobData(), deps({ token: 'ghs_wrong-token' })).catch((e: unknown) => e);

    scope.done();
    // Retrying cannot help: the job fails at once (the worker turns this into BullMQ's UnrecoverableError).
    expect(error).toBeInstanceOf(PermanentPlanError);
    expect((error as Error).cause).toBeInstanceOf(RepoSyncError);
    expect(calls()).toEqual([`GET ${listRuns()}`, `POST ${CHECK_RUNS}`, `PATCH ${CHECK_RUN}`]);
    const [failed] = bodies('PATCH', CHECK_RUN);
    expect(failed).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Plan failed' },
    });
    const summary = String((failed?.output as { summary?: string } | undefined)?.summary);
    expect(summary).toContain(`sync of ${OWNER}/${REPO} failed`);
    expect(summary).not.toContain('wrong-token');
    expect(warnings).toContain('plan failed');
  });
});
