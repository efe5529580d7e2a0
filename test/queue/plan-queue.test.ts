import type { Job } from 'bullmq';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentPlanError } from '../../src/queue/permanent-plan-error.ts';
import { diffJobId, mergeGroupJobId, type PlanJobData, planJobId } from '../../src/queue/plan-job.ts';
import { createPlanQueue, type PlanQueue } from '../../src/queue/plan-queue.ts';
import {
  createPlanWorker,
  type PlanJobContext,
  type PlanWorkerOptions,
} from '../../src/queue/plan-worker.ts';
import { assertRedisReachable, createRedisScope, deferred, redisUrl, until } from './redis-test-env.ts';

const sha = (digit: string) => digit.repeat(40);

function planData(overrides: Partial<PlanJobData> = {}): PlanJobData {
  return {
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    installationId: 42,
    owner: 'acme',
    repo: 'gitops',
    pullNumber: 12,
    headSha: sha('1'),
    baseRef: 'main',
    headRef: 'feature',
    trigger: 'pull_request',
    ...overrides,
  };
}

let scope: ReturnType<typeof createRedisScope>;

beforeAll(assertRedisReachable);
beforeEach(() => {
  scope = createRedisScope();
});
afterEach(async () => {
  await scope.cleanup();
});

function openQueue(): PlanQueue {
  return scope.track(
    createPlanQueue({ connection: redisUrl, prefix: scope.prefix, retry: { backoffDelayMs: 50 } }),
  );
}

/** A worker whose finished jobs are collected by id, so a test can wait for them in any order. */
function openWorker(run: PlanWorkerOptions['run'], extra: Partial<PlanWorkerOptions> = {}) {
  const planWorker = createPlanWorker({
    connection: redisUrl,
    prefix: scope.prefix,
    concurrency: 1,
    run,
    ...extra,
  });
  scope.track({ close: () => planWorker.close(true) });
  const completed = new Map<string, Job>();
  const failed = new Map<string, { job: Job; error: Error }>();
  planWorker.worker.on('completed', (job) => completed.set(job.id ?? '', job));
  planWorker.worker.on('failed', (job, error) => {
    if (job) failed.set(job.id ?? '', { job, error });
  });
  const waitCompleted = (jobId: string) =>
    until(planWorker.worker, ['completed'], () => completed.has(jobId), `${jobId} to complete`).then(
      () => completed.get(jobId)!,
    );
  const waitFailed = (jobId: string) =>
    until(planWorker.worker, ['failed'], () => failed.has(jobId), `${jobId} to fail`).then(
      () => failed.get(jobId)!,
    );
  return { planWorker, completed, failed, waitCompleted, waitFailed };
}

describe('plan queue', () => {
  it('turns a redelivered webhook into one job', async () => {
    const queue = openQueue();
    const data = planData();
    const concurrent = await Promise.all([
      queue.enqueue(data),
      queue.enqueue({ ...data, deliveryId: 'other' }),
    ]);
    const later = await queue.enqueue(data);

    expect(concurrent.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect(later).toEqual({ jobId: planJobId(data), duplicate: true });
    expect(await queue.queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      active: 0,
    });
  });

  it('keeps the job of every head whatever order the events arrive in: GitHub decides which is current', async () => {
    const queue = openQueue();
    const older = planData({ headSha: sha('1') });
    const newer = planData({ headSha: sha('2') });
    // The newer head's event first, then a late event of the older head.
    expect(await queue.enqueue(newer)).toEqual({ jobId: planJobId(newer), duplicate: false });
    expect(await queue.enqueue(older)).toEqual({ jobId: planJobId(older), duplicate: false });
    expect(await queue.queue.getJobState(planJobId(newer))).toBe('waiting');
    expect(await queue.queue.getJobState(planJobId(older))).toBe('waiting');
  });

  it('lets a job queue the current head and record the head GitHub confirmed', async () => {
    const queue = openQueue();
    const stale = planData({ headSha: sha('1') });
    const current = planData({ headSha: sha('2') });
    const ran: string[] = [];
    const { waitCompleted } = openWorker(async (data, ctx: PlanJobContext) => {
      ran.push(data.headSha);
      // What runPlanJob does when GitHub reports another head: record it and queue its plan.
      if (data.headSha === stale.headSha) {
        await ctx.confirmHead(current.headSha);
        await ctx.enqueue(current);
      }
    });
    await queue.enqueue(stale);
    await waitCompleted(planJobId(stale));
    await waitCompleted(planJobId(current));
    expect(ran).toEqual([stale.headSha, current.headSha]);
    // A redelivery of the stale head's event is answered by its finished job: the confirmed head is another
    // commit, so the old one "came back" only if GitHub says so when that job runs again.
    expect(await queue.enqueue({ ...current, deliveryId: 'again' })).toEqual({
      jobId: planJobId(current),
      duplicate: true,
    });
    expect((await queue.enqueue(stale)).duplicate).toBe(false);
  });

  it('drops the waiting jobs of a closed pull request', async () => {
    const queue = openQueue();
    const running = planData({ pullNumber: 9 });
    const waitingClosed = planData({ pullNumber: 7 });
    const waitingOpen = planData({ pullNumber: 8 });
    const started = deferred();
    const release = deferred();
    const ran: number[] = [];
    const { waitCompleted } = openWorker(async (data) => {
      if (data.pullNumber === running.pullNumber) {
        started.resolve();
        await release.promise;
      }
      ran.push(data.pullNumber);
    });
    await queue.enqueue(running);
    await started.promise;
    // Concurrency 1: these wait behind the running job.
    await queue.enqueue(waitingClosed);
    await queue.enqueue(waitingOpen);

    expect(await queue.dropPullRequest('acme', 'gitops', 7)).toBe(1);
    // A running job is locked by its worker: it stays (it asks GitHub whether its pull request is open).
    expect(await queue.dropPullRequest('Acme', 'GitOps', 9)).toBe(0);
    expect(await queue.queue.getJob(planJobId(waitingClosed))).toBeUndefined();
    release.resolve();

    await waitCompleted(planJobId(running));
    await waitCompleted(planJobId(waitingOpen));
    expect(ran).toEqual([9, 8]);

    // Reopened with a new push: planned.
    const reopened = planData({ pullNumber: 9, headSha: sha('4') });
    await queue.enqueue(reopened);
    await waitCompleted(planJobId(reopened));
    expect(ran).toEqual([9, 8, 9]);
  });
});

describe('plan worker', () => {
  it('fails a job at once on a permanent error', async () => {
    const queue = openQueue();
    const data = planData();
    let runs = 0;
    const { waitFailed } = openWorker(async () => {
      runs += 1;
      throw new PermanentPlanError('mergeplane.yml: clusters[0].server: required');
    });
    await queue.enqueue(data);

    const { job, error } = await waitFailed(planJobId(data));

    expect(error.name).toBe('UnrecoverableError');
    expect(job.failedReason).toBe('mergeplane.yml: clusters[0].server: required');
    expect(await queue.queue.getJobState(planJobId(data))).toBe('failed');
    expect(runs).toBe(1);
    expect((await queue.queue.getJob(planJobId(data)))?.attemptsMade).toBe(1);
  });

  it('collapses a redelivered merge group, and plans a failed one again when GitHub asks again', async () => {
    const queue = openQueue();
    const group = {
      ...planData({ headSha: sha('9'), trigger: 'merge_group' as const }),
      mergeGroup: { baseSha: sha('8'), headRef: `refs/heads/gh-readonly-queue/main/pr-1-${sha('8')}` },
    };
    const jobId = mergeGroupJobId(group);
    expect(await queue.enqueueMergeGroup(group)).toEqual({ jobId, duplicate: false });
    expect(await queue.enqueueMergeGroup(group)).toEqual({ jobId, duplicate: true });
    const { waitFailed } = openWorker(async () => {
      throw new PermanentPlanError('the group head is gone');
    });
    await waitFailed(jobId);
    expect(await queue.enqueueMergeGroup(group)).toEqual({ jobId, duplicate: false });
  });

  it('retries a job after a transient error', async () => {
    const queue = openQueue();
    const data = planData();
    let runs = 0;
    const { waitCompleted } = openWorker(async () => {
      runs += 1;
      if (runs === 1) throw new Error('connect ECONNRESET github.com');
    });
    await queue.enqueue(data);

    const job = await waitCompleted(planJobId(data));

    expect(job.returnvalue).toBe('planned');
    expect(runs).toBe(2);
  });

  it('tells each attempt whether a retry follows it, so only the last one completes the check run', async () => {
    const queue = scope.track(
      createPlanQueue({
        connection: redisUrl,
        prefix: scope.prefix,
        retry: { attempts: 3, backoffDelayMs: 10 },
      }),
    );
    const data = planData();
    const finals: boolean[] = [];
    const { waitFailed } = openWorker(async (_data, ctx: PlanJobContext) => {
      finals.push(ctx.finalAttempt);
      throw new Error('rate limited');
    });
    await queue.enqueue(data);
    // BullMQ reports every failed attempt; wait for the last one.
    for (let i = 0; i < 200 && finals.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    await waitFailed(planJobId(data));
    expect(finals).toEqual([false, false, true]);
  });

  it('lets one job at a time publish to a pull request, across workers', async () => {
    const queue = openQueue();
    const jobs = [
      planData({ headSha: sha('1') }),
      planData({ headSha: sha('2') }),
      planData({ pullNumber: 13 }),
    ];
    const events: string[] = [];
    const run: PlanWorkerOptions['run'] = async (data, ctx) => {
      await ctx.publishExclusively(async () => {
        events.push(`enter ${data.pullNumber}:${data.headSha.slice(0, 1)}`);
        await new Promise((r) => setTimeout(r, 300));
        events.push(`exit ${data.pullNumber}:${data.headSha.slice(0, 1)}`);
      });
    };
    // Two worker processes' worth of slots.
    openWorker(run, { concurrency: 2 });
    openWorker(run, { concurrency: 2 });
    for (const data of jobs) await queue.enqueue(data);
    for (let i = 0; i < 200 && events.length < 6; i++) await new Promise((r) => setTimeout(r, 50));
    // Pull request 12's two heads never overlap.
    const of12 = events.filter((e) => e.includes(' 12:'));
    expect(of12).toHaveLength(4);
    expect(of12[0]!.startsWith('enter') && of12[1]!.startsWith('exit')).toBe(true);
    expect(of12[2]!.startsWith('enter') && of12[3]!.startsWith('exit')).toBe(true);
    expect(events.filter((e) => e.includes(' 13:'))).toEqual(['enter 13:1', 'exit 13:1']);
  });

  it('re-runs the job of a worker that died mid-job on another worker, once', async () => {
    const queue = openQueue();
    const data = planData();
    const locks = { lockDuration: 1_000, stalledInterval: 500 };
    const firstStarted = deferred();
    const first = openWorker(async () => {
      firstStarted.resolve();
      await new Promise<never>(() => {});
    }, locks);
    await queue.enqueue(data);
    await firstStarted.promise;
    // Like a crash: the lock is no longer renewed and the job is never finished by this worker.
    await first.planWorker.close(true);

    let secondRuns = 0;
    const second = openWorker(async () => {
      secondRuns += 1;
    }, locks);
    const job = await second.waitCompleted(planJobId(data));

    expect(job.returnvalue).toBe('planned');
    expect(secondRuns).toBe(1);
    expect(first.completed.size + first.failed.size).toBe(0);
    expect(await queue.queue.getJobState(planJobId(data))).toBe('completed');
  });

  it('collapses repeated diff requests per head and app, without moving the head, and drops them on close', async () => {
    const queue = openQueue();
    const plan = planData();
    await queue.enqueue(plan);
    const diff = { ...planData({ trigger: 'diff' }), diff: { app: 'argocd/web', requestedBy: 'bob' } };

    const first = await queue.enqueueDiff(diff);
    const again = await queue.enqueueDiff({ ...diff, diff: { app: 'argocd/web', requestedBy: 'carol' } });
    const other = await queue.enqueueDiff({ ...diff, diff: { app: 'api', requestedBy: 'bob' } });

    expect(first).toEqual({ jobId: diffJobId({ ...diff, app: 'argocd/web' }), duplicate: false });
    expect(again).toEqual({ jobId: first.jobId, duplicate: true });
    expect(other.duplicate).toBe(false);
    const job = await queue.queue.getJob(first.jobId);
    expect(job?.name).toBe('diff');
    expect(job?.data.diff).toEqual({ app: 'argocd/web', requestedBy: 'bob' });
    // The plan job of the head is still queued.
    expect(await queue.queue.getJobState(planJobId(plan))).toBe('waiting');

    expect(await queue.dropPullRequest('acme', 'gitops', 12)).toBe(3);
  });

  it('runs a diff job again once the previous one finished', async () => {
    const queue = openQueue();
    const diff = { ...planData({ trigger: 'diff' }), diff: { app: 'web', requestedBy: 'bob' } };
    const names: string[] = [];
    const { waitCompleted } = openWorker(async (data, ctx) => {
      names.push(`${ctx.name}:${data.diff?.app}`);
    });
    const { jobId } = await queue.enqueueDiff(diff);
    await waitCompleted(jobId);
    expect(await queue.enqueueDiff(diff)).toEqual({ jobId, duplicate: false });
    for (let i = 0; i < 200 && names.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(names).toEqual(['diff:web', 'diff:web']);
  });
});
