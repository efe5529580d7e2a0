import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { KubePermanentError, KubeTransientError } from '../../src/kube/kube-errors.ts';
import type { DeliveryPlan } from '../../src/model/delivery-plan.ts';
import { deliverJobId, targetJobId } from '../../src/queue/deliver-job.ts';
import { renderPrometheusMetrics } from '../../src/queue/deliver-metrics.ts';
import type { DeliveryRetrier } from '../../src/queue/deliver-queue.ts';
import { createDeliverStateStore } from '../../src/queue/deliver-state-store.ts';
import { createKubeDeliveryByContext } from '../../src/server/kube-delivery-by-context.ts';
import { deferred, redisUrl, until } from '../queue/redis-test-env.ts';
import {
  claimTarget,
  mergeInput,
  OWNER,
  planOf,
  REPO,
  SHA1,
  SHA2,
  syncTarget,
  useDeliverTestEnv,
} from './deliver-test-env.ts';
import { createFakeKubeDelivery } from './fake-kube-delivery.ts';

const env = useDeliverTestEnv().current;

function scopeRedis(): Redis {
  return env().scope.track(
    Object.assign(new Redis(redisUrl), {
      close(this: Redis) {
        return this.quit().then(() => undefined);
      },
    }),
  );
}
const ref = { owner: OWNER, repo: REPO };

/** The merge SHAs the app was synced to, in call order. */
function revisionsOf(key: string): string[] {
  return env()
    .kube.callsOf(key)
    .map((c) => (c.input as { revision: string }).revision);
}

function indexOfCall(key: string, method?: string): number {
  return env().kube.calls.findIndex((c) => c.key === key && (!method || c.method === method));
}

/** The aggregate `mergeplane/deploy` statuses posted, as [state, description], in order. */
function deployStatuses(): [string, string][] {
  return env()
    .statuses.filter((s) => s.context === 'mergeplane/deploy')
    .map((s) => [s.state, s.description]);
}

function withKubeContext(plan: DeliveryPlan, kubeContext: string): DeliveryPlan {
  return { ...plan, options: { ...plan.options, kubeContext } };
}

describe('deliver worker', () => {
  it('delivers claims first, then each sync wave after the previous one, with statuses pending → success', async () => {
    const db = claimTarget('commerce', 'orders-db');
    const web = syncTarget('web', 0);
    const api = syncTarget('api', 0);
    const worker = syncTarget('worker', 5);
    env().plan(
      planOf(
        SHA1,
        { kind: 'claims', targets: [db] },
        { kind: 'apps', wave: 0, targets: [api, web] },
        { kind: 'apps', wave: 5, targets: [worker] },
      ),
    );
    env().startWorker();
    expect(await env().queue.enqueueMerge(mergeInput(SHA1))).toEqual({
      jobId: deliverJobId({ ...ref, sha: SHA1 }),
      duplicate: false,
    });
    await env().deployFinished(SHA1);

    const { calls } = env().kube;
    // Each later stage starts only once the earlier one is done.
    const claimDone = calls.find((c) => c.key === 'claim:commerce/orders-db');
    expect(claimDone?.method).toBe('applyClaim');
    expect(indexOfCall('claim:commerce/orders-db')).toBeLessThan(indexOfCall('app:web'));
    expect(indexOfCall('claim:commerce/orders-db')).toBeLessThan(indexOfCall('app:api'));
    expect(Math.max(indexOfCall('app:web'), indexOfCall('app:api'))).toBeLessThan(indexOfCall('app:worker'));
    expect(calls.map((c) => c.state)).not.toContain('running');
    expect(calls.find((c) => c.key === 'app:web')?.input).toMatchObject({
      namespace: 'argocd',
      name: 'web',
      revision: SHA1,
      observeOnly: false,
      prune: false,
    });

    for (const context of [
      'mergeplane/claim: commerce/orders-db',
      'mergeplane/sync: web',
      'mergeplane/sync: worker',
    ]) {
      const states = env().statesOf(context, SHA1);
      expect(states[0]).toBe('pending');
      expect(states.at(-1)).toBe('success');
      expect(states.filter((s) => s !== 'pending')).toEqual(['success']);
    }
    expect(env().lastOf('mergeplane/sync: web')).toMatchObject({
      description: 'Synced 1111111 (Succeeded/Synced/Healthy)',
      target_url: 'https://argocd.example.com/applications/argocd/web',
    });
    expect(env().lastOf('mergeplane/deploy')).toMatchObject({
      state: 'success',
      description: 'Delivered: 3 apps synced, 1 claim ready',
    });
    // The aggregate counts the targets as each stage finishes: the claim, then wave 0's two apps.
    expect(deployStatuses()).toEqual([
      ['pending', 'Delivering'],
      ['pending', 'Syncing: 1 of 4 targets done'],
      ['pending', 'Syncing: 3 of 4 targets done'],
      ['success', 'Delivered: 3 apps synced, 1 claim ready'],
    ]);
    expect(env().comments).toEqual([]);
  });

  it('reports a failed sync, fails the aggregate and comments once on the pull request with retry instructions', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web'), syncTarget('api')] }));
    env().kube.script('app:web', {
      kind: 'fail',
      reason: 'sync Failed: one or more objects failed to apply',
      phase: 'Failed',
    });
    env().mockPullsOfCommit(SHA1, 42);
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await env().deployFinished(SHA1);

    expect(env().lastOf('mergeplane/sync: web')).toMatchObject({
      state: 'failure',
      description: 'Failed: sync Failed: one or more objects failed to apply',
    });
    expect(env().lastOf('mergeplane/sync: api')?.state).toBe('success');
    expect(env().lastOf('mergeplane/deploy')).toMatchObject({
      state: 'failure',
      description: '1 of 2 failed: app web',
    });
    expect(env().comments).toHaveLength(1);
    expect(env().comments[0]?.issue).toBe(42);
    expect(env().comments[0]?.body).toContain('/mergeplane retry');
    expect(env().comments[0]?.body).toContain(
      '**[app web](https://argocd.example.com/applications/argocd/web)**',
    );
    expect(env().requests.some((r) => String(r.url).endsWith(`/commits/${SHA1}/pulls`))).toBe(true);
    // A failed outcome is not retried.
    expect(env().kube.callsOf('app:web')).toHaveLength(1);
  });

  it('stops at a failed claim: later stages never start and their statuses end as failure, not pending', async () => {
    const db = claimTarget('commerce', 'orders-db');
    env().plan(
      planOf(
        SHA1,
        { kind: 'claims', targets: [db] },
        { kind: 'apps', wave: 0, targets: [syncTarget('orders')] },
      ),
    );
    env().kube.script('claim:commerce/orders-db', {
      kind: 'fail',
      reason: 'timed out after 900s: Ready=False (Creating)',
    });
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1, { trigger: 'pull_request', pullNumber: 7 }));
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:orders')).toEqual([]);
    expect(env().lastOf('mergeplane/claim: commerce/orders-db')).toMatchObject({
      state: 'failure',
      description: 'timed out after 900s: Ready=False (Creating)',
    });
    expect(env().statesOf('mergeplane/sync: orders')).toEqual(['pending', 'failure']);
    expect(env().lastOf('mergeplane/sync: orders')?.description).toBe(
      'not started: PostgreSQLInstance commerce/orders-db failed',
    );
    expect(env().lastOf('mergeplane/deploy')?.description).toBe(
      '1 of 2 failed: PostgreSQLInstance commerce/orders-db; 1 not started',
    );
    expect(env().comments.map((c) => c.issue)).toEqual([7]);
    expect(env().comments[0]?.body).toContain('**Not started** (1)');
  });

  it('does nothing twice for a redelivered push or for the push and the merged pull request of one merge', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().kube.script('app:web', {
      kind: 'fail',
      reason: 'Degraded past the grace period',
      health: 'Degraded',
    });
    const push = mergeInput(SHA1);
    expect((await env().queue.enqueueMerge(push)).duplicate).toBe(false);
    expect((await env().queue.enqueueMerge(push)).duplicate).toBe(true);
    const merged = await env().queue.enqueueMerge(
      mergeInput(SHA1, { trigger: 'pull_request', pullNumber: 12, before: undefined }),
    );
    expect(merged).toEqual({ jobId: deliverJobId({ ...ref, sha: SHA1 }), duplicate: true });
    env().startWorker();
    await env().deployFinished(SHA1);
    // A redelivery after the job finished is still a duplicate.
    expect((await env().queue.enqueueMerge(push)).duplicate).toBe(true);

    expect(env().kube.callsOf('app:web')).toHaveLength(1);
    expect(env().statesOf('mergeplane/deploy')).toEqual(['pending', 'failure']);
    // The pull request number came with the merged event: no lookup.
    expect(env().comments.map((c) => c.issue)).toEqual([12]);
    // One parent in the deliver queue, its one child in the targets queue.
    const metrics = await env().queue.metrics();
    expect(metrics.map((m) => m.queue)).toEqual(['mergeplane-deliver', 'mergeplane-deliver-targets']);
    for (const { counts } of metrics) {
      expect(counts.completed).toBe(1);
      expect(counts.failed + counts.active + counts.waiting + counts.delayed).toBe(0);
    }
  });

  it('never reports a superseded older merge as synced: a newer merge to the same app wins', async () => {
    const gate = deferred();
    const db = claimTarget('commerce', 'orders-db');
    env().plan(
      planOf(
        SHA1,
        { kind: 'claims', targets: [db] },
        { kind: 'apps', wave: 0, targets: [syncTarget('web')] },
      ),
    );
    env().plan(planOf(SHA2, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().kube.script('claim:commerce/orders-db', { kind: 'wait', until: gate.promise });
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(
      env().kube.events,
      ['call'],
      () => env().kube.callsOf('claim:commerce/orders-db').length > 0,
      'claim',
    );
    await env().queue.enqueueMerge(mergeInput(SHA2));
    await env().deployFinished(SHA2);
    gate.resolve();
    await env().deployFinished(SHA1);

    expect(revisionsOf('app:web')).toEqual([SHA2]);
    expect(env().lastOf('mergeplane/sync: web', SHA1)).toMatchObject({
      state: 'success',
      description: 'Superseded by 2222222',
    });
    expect(env().lastOf('mergeplane/sync: web', SHA2)?.description).toBe(
      'Synced 2222222 (Succeeded/Synced/Healthy)',
    );
    expect(env().lastOf('mergeplane/deploy', SHA1)?.description).toBe(
      'Delivered: 1 claim ready, 1 superseded by newer merges',
    );
  });

  it('plans a newer merge while the only target slot waits on a stuck app, and supersedes the waiting sync', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().plan(planOf(SHA2, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    // The older sync never ends on its own (Argo CD went straight to the newer commit): only a supersede ends it.
    env().kube.script('app:web', { kind: 'wait' }, { kind: 'ok' });
    env().startWorker({ concurrency: 1, supersedeCheckMs: 20 });
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(env().kube.events, ['call'], () => env().kube.callsOf('app:web').length === 1, 'older sync');
    // What the older sync was doing when the newer merge's pending status reached GitHub.
    let olderSyncThen: string | undefined;
    const onStatus = () => {
      if (olderSyncThen !== undefined) return;
      if (env().statuses.some((s) => s.sha === SHA2 && s.context === 'mergeplane/sync: web'))
        olderSyncThen = env().kube.callsOf('app:web')[0]?.state;
    };
    env().events.on('status', onStatus);
    try {
      await env().queue.enqueueMerge(mergeInput(SHA2));
      await env().deployFinished(SHA1);
      await env().deployFinished(SHA2);
    } finally {
      env().events.off('status', onStatus);
    }

    expect(olderSyncThen).toBe('running');
    expect(env().statesOf('mergeplane/sync: web', SHA2)[0]).toBe('pending');
    expect(env().lastOf('mergeplane/sync: web', SHA1)).toMatchObject({
      state: 'success',
      description: 'Superseded by 2222222',
    });
    expect(revisionsOf('app:web')).toEqual([SHA1, SHA2]);
    expect(env().lastOf('mergeplane/sync: web', SHA2)?.description).toBe(
      'Synced 2222222 (Succeeded/Synced/Healthy)',
    );
    expect(env().kube.maxConcurrent('app:web')).toBe(1);
  });

  it('never runs two syncs of one app at once: the second merge waits for the app lock', async () => {
    const gate = deferred();
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().plan(planOf(SHA2, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().kube.script('app:web', { kind: 'wait', until: gate.promise }, { kind: 'ok' });
    env().startWorker({ concurrency: 4 });
    env().startWorker({ concurrency: 4 });
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(env().kube.events, ['call'], () => env().kube.callsOf('app:web').length === 1, 'first sync');
    await env().queue.enqueueMerge(mergeInput(SHA2));
    // The second merge's sync job exists and is waiting for the lock (delayed) while the first one runs.
    const second = targetJobId({ ...ref, sha: SHA2 }, syncTarget('web'));
    await until(
      env().events,
      ['status'],
      () => env().statuses.some((s) => s.sha === SHA2 && s.context === 'mergeplane/sync: web'),
      'second merge planned',
    );
    let secondState = 'unknown';
    for (let i = 0; i < 200 && secondState !== 'delayed'; i += 1) {
      secondState = await env().queue.targetQueue.getJobState(second);
      if (secondState !== 'delayed') await new Promise((r) => setTimeout(r, 10));
    }
    expect(secondState).toBe('delayed');
    expect(env().kube.callsOf('app:web')).toHaveLength(1);
    gate.resolve();
    await env().deployFinished(SHA1);
    await env().deployFinished(SHA2);

    expect(env().kube.maxConcurrent('app:web')).toBe(1);
    expect(revisionsOf('app:web')).toEqual([SHA1, SHA2]);
    expect(env().lastOf('mergeplane/sync: web', SHA1)?.description).toBe(
      'Synced 1111111 (Succeeded/Synced/Healthy)',
    );
    // The lock waits used no attempt: only the run that finished counts.
    expect((await env().queue.targetQueue.getJob(second))?.attemptsMade).toBe(1);
  });

  it('fails a permanent Kubernetes error at once (UnrecoverableError) with the reason in the status', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    const reason = 'patch Application argocd/web: HTTP 403 (applications.argoproj.io "web" is forbidden)';
    env().kube.script('app:web', { kind: 'throw', error: new KubePermanentError(reason, { status: 403 }) });
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1, { pullNumber: 3 }));
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:web')).toHaveLength(1);
    expect(env().lastOf('mergeplane/sync: web')).toMatchObject({ state: 'failure' });
    expect(env().lastOf('mergeplane/sync: web')?.description).toContain('HTTP 403');
    const job = await env().queue.targetQueue.getJob(targetJobId({ ...ref, sha: SHA1 }, syncTarget('web')));
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe(reason);
    expect(env().lastOf('mergeplane/deploy')?.state).toBe('failure');
  });

  it('delivers through the kubeconfig context the plan names (delivery.kubeContext), not the default one', async () => {
    const eu = createFakeKubeDelivery();
    const asked: string[] = [];
    env().plan(
      withKubeContext(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }), 'mgmt-eu'),
    );
    env().startWorker({
      deps: {
        kubeFor: (context) => {
          asked.push(context);
          return eu.kube;
        },
      },
    });
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await env().deployFinished(SHA1);

    expect(asked).toEqual(['mgmt-eu']);
    expect(eu.callsOf('app:web')).toHaveLength(1);
    expect(env().kube.calls).toEqual([]);
    expect(env().lastOf('mergeplane/sync: web')?.state).toBe('success');
  });

  it('fails a target whose kubeconfig context is unknown at once, naming the contexts in the status', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        { name: 'us', server: 'https://us.example:6443', skipTLSVerify: false },
        { name: 'ap', server: 'https://ap.example:6443', skipTLSVerify: false },
      ],
      users: [{ name: 'worker', token: 'unused' }],
      contexts: [
        { name: 'mgmt-us', cluster: 'us', user: 'worker' },
        { name: 'mgmt-ap', cluster: 'ap', user: 'worker' },
      ],
      currentContext: 'mgmt-us',
    });
    const kubeFor = createKubeDeliveryByContext({ kubeConfig, create: () => env().kube.kube });
    if (!kubeFor) throw new Error('a kubeconfig with named contexts selects them');
    env().plan(
      withKubeContext(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }), 'mgmt-eu'),
    );
    env().startWorker({ deps: { kubeFor } });
    await env().queue.enqueueMerge(mergeInput(SHA1, { pullNumber: 3 }));
    await env().deployFinished(SHA1);

    const reason =
      'Kubernetes context "mgmt-eu" (delivery.kubeContext) is not in the worker\'s kubeconfig (contexts: mgmt-us, mgmt-ap)';
    expect(env().kube.calls).toEqual([]);
    expect(
      env()
        .statesOf('mergeplane/sync: web')
        .filter((s) => s !== 'pending'),
    ).toEqual(['failure']);
    expect(env().lastOf('mergeplane/sync: web')?.description).toBe(reason);
    const job = await env().queue.targetQueue.getJob(targetJobId({ ...ref, sha: SHA1 }, syncTarget('web')));
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe(reason);
    expect(env().lastOf('mergeplane/deploy')?.state).toBe('failure');
  });

  it('fails a target that names a kubeconfig context when the worker has a single fixed configuration', async () => {
    env().plan(
      withKubeContext(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }), 'mgmt-eu'),
    );
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1, { pullNumber: 3 }));
    await env().deployFinished(SHA1);

    expect(env().kube.calls).toEqual([]);
    expect(env().lastOf('mergeplane/sync: web')).toMatchObject({ state: 'failure' });
    expect(env().lastOf('mergeplane/sync: web')?.description).toContain('"mgmt-eu"');
    expect(env().lastOf('mergeplane/sync: web')?.description).toContain('single fixed configuration');
    const job = await env().queue.targetQueue.getJob(targetJobId({ ...ref, sha: SHA1 }, syncTarget('web')));
    expect(job?.attemptsMade).toBe(1);
  });

  it('retries transient Kubernetes errors with backoff and then succeeds', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().kube.script(
      'app:web',
      {
        kind: 'throw',
        error: new KubeTransientError('get Application argocd/web: HTTP 503', { status: 503 }),
      },
      { kind: 'ok' },
    );
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:web')).toHaveLength(2);
    expect(env().lastOf('mergeplane/sync: web')?.state).toBe('success');
    expect(env().lastOf('mergeplane/deploy')?.state).toBe('success');
  });

  it('retries a GitHub 5xx on the final status without syncing again', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    const gate = deferred();
    env().kube.script('app:web', { kind: 'wait', until: gate.promise });
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(
      env().kube.events,
      ['call'],
      () => env().kube.callsOf('app:web').length === 1,
      'sync started',
    );
    env().failNextStatuses(1);
    gate.resolve();
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:web')).toHaveLength(1);
    expect(env().lastOf('mergeplane/sync: web')?.state).toBe('success');
    expect(env().requests.filter((r) => (r.body as { state?: string })?.state === 'success')).toHaveLength(3);
  });

  it('goes on delivering when the progress count cannot be posted: each target once, the final status posted', async () => {
    env().plan(
      planOf(
        SHA1,
        { kind: 'apps', wave: 0, targets: [syncTarget('web')] },
        { kind: 'apps', wave: 5, targets: [syncTarget('worker')] },
      ),
    );
    env().failStatusesDescribed(/ of \d+ apps done/);
    const warned: { message: string; meta: Record<string, unknown> }[] = [];
    const log = {
      debug() {},
      info() {},
      warn: (meta: Record<string, unknown>, message: string) => warned.push({ message, meta }),
    };
    env().startWorker({ deps: { log } });
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:web')).toHaveLength(1);
    expect(env().kube.callsOf('app:worker')).toHaveLength(1);
    // The count was tried (between the waves) and refused; the delivery itself went on to its end.
    const tried = env().requests.filter((r) =>
      /^Syncing: 1 of 2 apps done$/.test(String((r.body as { description?: string })?.description)),
    );
    expect(tried.length).toBeGreaterThan(0);
    // Logged as a lost count of this merge's job, not a failure of the job (which would be retried).
    expect(warned.map((w) => w.message)).toEqual(['deploy progress not posted']);
    expect(warned[0]?.meta).toMatchObject({ mergeSha: SHA1, description: 'Syncing: 1 of 2 apps done' });
    expect(deployStatuses()).toEqual([
      ['pending', 'Delivering'],
      ['success', 'Delivered: 2 apps synced'],
    ]);
  });

  it('recovers a job whose worker died mid-sync: another worker re-runs it and every final status is posted once', async () => {
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web'), syncTarget('api')] }));
    // The first sync of web never ends on its own (the worker "dies" in it); the re-run succeeds.
    env().kube.script('app:web', { kind: 'wait' }, { kind: 'ok' });
    const crashing = env().startWorker({ lockDuration: 400, stalledInterval: 200 });
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(env().kube.events, ['call'], () => env().kube.callsOf('app:web').length === 1, 'first sync');
    await crashing.close(true);
    env().startWorker({ lockDuration: 400, stalledInterval: 200 });
    await env().deployFinished(SHA1);

    expect(env().kube.callsOf('app:web')).toHaveLength(2);
    for (const context of ['mergeplane/sync: web', 'mergeplane/sync: api', 'mergeplane/deploy']) {
      expect(
        env()
          .statesOf(context)
          .filter((s) => s !== 'pending'),
      ).toEqual(['success']);
    }
  });

  it('marks a pending status whose job is gone or past its deadline as error (watchdog)', async () => {
    const worker = env().startWorker();
    const store = createDeliverStateStore({ redis: scopeRedis(), prefix: env().scope.prefix });
    const base = { installationId: 1, owner: OWNER, repo: REPO, sha: SHA1 };
    await store.markPending(
      { ...base, context: 'mergeplane/sync: lost', jobId: 'sync-argocd-lost-gone' },
      Date.now() + 600_000,
    );
    await store.markPending(
      { ...base, context: 'mergeplane/sync: slow', jobId: 'deliver-x' },
      Date.now() - 1,
    );
    expect(await worker.sweepWatchdog()).toBe(2);
    expect(await worker.sweepWatchdog()).toBe(0);

    expect(env().lastOf('mergeplane/sync: lost')).toMatchObject({
      state: 'error',
      description: 'Job lost without a result',
    });
    expect(env().lastOf('mergeplane/sync: slow')).toMatchObject({
      state: 'error',
      description: 'Timed out: no result within the delivery timeout',
    });
  });

  it('retryFailed re-runs only the failed and not started targets, then recomputes the aggregate', async () => {
    env().plan(
      planOf(
        SHA1,
        { kind: 'apps', wave: 0, targets: [syncTarget('api'), syncTarget('web')] },
        { kind: 'apps', wave: 1, targets: [syncTarget('worker', 1)] },
      ),
    );
    env().kube.script('app:web', { kind: 'fail', reason: 'sync Failed', phase: 'Failed' }, { kind: 'ok' });
    env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1, { pullNumber: 9 }));
    await env().deployFinished(SHA1);
    expect(env().lastOf('mergeplane/deploy')?.state).toBe('failure');
    expect(env().lastOf('mergeplane/sync: worker')?.description).toBe('not started: app web failed');

    const retrier: DeliveryRetrier = env().queue;
    expect(await retrier.retryFailed({ owner: OWNER, repo: REPO, pullNumber: 9, mergeSha: SHA1 })).toEqual({
      retried: 2,
    });
    await env().deployFinished(SHA1, 2);

    expect(env().kube.callsOf('app:api')).toHaveLength(1);
    expect(env().kube.callsOf('app:web')).toHaveLength(2);
    expect(env().kube.callsOf('app:worker')).toHaveLength(1);
    expect(env().lastOf('mergeplane/deploy')).toMatchObject({
      state: 'success',
      description: 'Delivered: 3 apps synced',
    });
    expect(env().lastOf('mergeplane/sync: worker')?.state).toBe('success');
    expect(env().comments).toHaveLength(1);
    // Nothing left to retry.
    expect(await retrier.retryFailed({ owner: OWNER, repo: REPO, pullNumber: 9, mergeSha: SHA1 })).toEqual({
      retried: 0,
    });
  });

  it('closes gracefully: stops taking jobs and waits for the running one to finish', async () => {
    const gate = deferred();
    env().plan(planOf(SHA1, { kind: 'apps', wave: 0, targets: [syncTarget('web')] }));
    env().kube.script('app:web', { kind: 'wait', until: gate.promise });
    const worker = env().startWorker();
    await env().queue.enqueueMerge(mergeInput(SHA1));
    await until(
      env().kube.events,
      ['call'],
      () => env().kube.callsOf('app:web').length === 1,
      'sync started',
    );
    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await env().queue.enqueueMerge(mergeInput(SHA2));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    gate.resolve();
    await closing;

    expect(env().lastOf('mergeplane/sync: web', SHA1)?.state).toBe('success');
    // The merge enqueued during shutdown was left for the next worker.
    expect(await env().queue.queue.getJobState(deliverJobId({ ...ref, sha: SHA2 }))).toBe('waiting');
  });

  it('fails the aggregate status at once when the merge cannot be planned (permanent), without retries', async () => {
    const worker = env().startWorker();
    const failed = new Promise<void>((resolve) => worker.plannerWorker.once('failed', () => resolve()));
    await env().queue.enqueueMerge(mergeInput(SHA2));
    await failed;

    expect(env().statesOf('mergeplane/deploy')).toEqual(['error']);
    expect(env().lastOf('mergeplane/deploy')?.description).toBe(`Planning failed: unknown revision: ${SHA2}`);
    const job = await env().queue.queue.getJob(deliverJobId({ ...ref, sha: SHA2 }));
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(renderPrometheusMetrics(await env().queue.metrics())).toContain(
      'mergeplane_queue_jobs{queue="mergeplane-deliver",state="failed"} 1',
    );
  });
});
