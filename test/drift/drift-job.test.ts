import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriftRecorder } from '../../src/drift/record-drift.ts';
import { runDriftJob } from '../../src/drift/run-drift-job.ts';
import { createDriftLiveReader } from '../../src/kube/drift-live-reader.ts';
import { createKubeObjectClient } from '../../src/kube/kube-object-client.ts';
import type { DriftDefinitions } from '../../src/model/drift.ts';
import { createDriftQueue, createDriftWorker, type DriftQueue } from '../../src/queue/drift-queue.ts';
import { createDriftStore } from '../../src/queue/drift-store.ts';
import { createRedisClient, type RedisClient } from '../../src/queue/redis-connection.ts';
import { DRIFT_ISSUE_MARKER, DRIFT_ISSUE_TITLE } from '../../src/report/render-drift-issue.ts';
import { clusterKind } from '../e2e/e2e-cluster.ts';
import { APP_ID, generateAppKey } from '../server/server-test-env.ts';
import { CHART_RBAC_SUBJECT, chartRbacYaml } from '../support/chart-rbac.ts';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';
import { type FakeKube, startFakeKubeServer } from '../support/fake-kube/fake-kube-server.ts';
import { loadRbacPolicy } from '../support/rbac-policy.ts';

const REDIS = 'redis://127.0.0.1:6379';
const OWNER = 'acme';
const REPO = 'gitops';
const HEAD = 'c'.repeat(40);
const silent = { debug() {}, info() {}, warn() {}, child: () => silent };

const definitions: DriftDefinitions = {
  sha: HEAD,
  branch: 'main',
  apps: [
    { namespace: 'argocd', name: 'web', tracksBranch: true },
    { namespace: 'argocd', name: 'api', tracksBranch: true },
  ],
  claims: [
    {
      apiVersion: 'platform.mergeplane.io/v1alpha1',
      kind: 'KubernetesCluster',
      namespace: 'platform',
      name: 'prod',
    },
  ],
};

function application(name: string, sync: string, health: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: { project: 'default' },
    status: { sync: { status: sync, revision: HEAD }, health: { status: health } },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the drift check, driven by its BullMQ job scheduler on Redis', () => {
  const policy = loadRbacPolicy(chartRbacYaml(), CHART_RBAC_SUBJECT);
  const prefix = `mp-drift-test-${randomBytes(4).toString('hex')}`;
  let kube: FakeKube;
  let github: FakeGitHub;
  let gitRoot: string;
  let redis: RedisClient;
  let queue: DriftQueue;
  let worker: ReturnType<typeof createDriftWorker>;
  let clock = new Date('2026-12-04T10:00:00Z');
  let pending = false;

  beforeAll(async () => {
    kube = await startFakeKubeServer({
      namespaces: ['default', 'argocd', 'platform'],
      types: [clusterKind],
      forbid: (request) => !policy.isAllowed(request),
    });
    gitRoot = mkdtempSync(join(tmpdir(), 'mergeplane-drift-'));
    github = await startFakeGitHub({ appId: APP_ID, privateKey: generateAppKey(), gitRoot });
    redis = createRedisClient(REDIS);
    queue = createDriftQueue({ connection: REDIS, prefix });
    const store = createDriftStore({ redis, prefix });
    const octokit = new Octokit({ auth: github.token, baseUrl: `${github.origin}/api/v3` });
    const client = createKubeObjectClient({ kubeConfig: kube.kubeConfig(), fieldManager: 'mergeplane' });
    worker = createDriftWorker({
      connection: REDIS,
      prefix,
      run: async (data) => {
        await runDriftJob(data, {
          store,
          octokitFor: async () => octokit,
          appLogin: async () => `${github.appSlug}[bot]`,
          liveFor: () => createDriftLiveReader(client),
          deliveryPending: async () => pending,
          appLink: (app) => `https://argocd.example.com/applications/${app.namespace}/${app.name}`,
          now: () => clock,
          log: silent,
        });
      },
    });
    await createDriftRecorder({ store, queue })(
      { installationId: 1, owner: OWNER, repo: REPO },
      { enabled: true, intervalMinutes: 30, definitions },
      undefined,
    );
  });

  afterAll(async () => {
    await worker?.close(true);
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await Promise.all([kube?.close(), github?.close()]);
    rmSync(gitRoot, { recursive: true, force: true });
  });

  const reports = () => github.issues.filter((issue) => issue.body.startsWith(DRIFT_ISSUE_MARKER));

  it('schedules one check per repository at the configured interval', async () => {
    const schedulers = await queue.queue.getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: 'drift:acme/gitops', every: 30 * 60_000 })]);
  });

  it('opens the report on drift, edits it in place, closes it when in sync and reopens it when drift returns', async () => {
    kube.store.create(application('web', 'Synced', 'Healthy'));
    kube.store.create(application('api', 'OutOfSync', 'Healthy'));
    const claim = {
      apiVersion: 'platform.mergeplane.io/v1alpha1',
      kind: 'KubernetesCluster',
      namespace: 'platform',
      name: 'prod',
    };
    kube.store.create({
      apiVersion: claim.apiVersion,
      kind: claim.kind,
      metadata: { name: 'prod', namespace: 'platform' },
      spec: {},
    });
    // Status goes through the status subresource, as Crossplane writes it.
    kube.store.patchStatus(claim, {
      conditions: [
        { type: 'Synced', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'Creating' },
      ],
    });
    // Time runs through the scheduler: checks every 150 ms instead of every 30 minutes.
    await queue.schedule({ installationId: 1, owner: OWNER, repo: REPO }, 150);

    const opened = await waitFor('the report to open', () => reports()[0]);
    expect(opened.title).toBe(DRIFT_ISSUE_TITLE);
    expect(opened.state).toBe('open');
    await waitFor('both items', () =>
      /KubernetesCluster platform\/prod/.test(opened.body) ? true : undefined,
    );
    expect(opened.body).toContain('[`argocd/api`](https://argocd.example.com/applications/argocd/api)');
    expect(opened.body).toContain('OutOfSync, and no delivery is pending');
    expect(opened.body).toContain('not Ready: Creating');
    expect(opened.body).not.toContain('argocd/web');
    expect(opened.body).toContain('2026-12-04T10:00:00.000Z');

    // Later checks keep "since" from the first one that saw the item, and edit the same issue.
    clock = new Date('2026-12-04T10:30:00Z');
    kube.store.patch(
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: 'argocd', name: 'api' },
      {
        status: { health: { status: 'Degraded', message: 'Deployment api exceeded its progress deadline' } },
      },
    );
    await waitFor('the edit', () => (opened.body.includes('Degraded: Deployment api') ? true : undefined));
    expect(opened.body).toContain('2026-12-04T10:00:00.000Z');
    expect(reports()).toHaveLength(1);

    kube.store.patch(
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: 'argocd', name: 'api' },
      { status: { sync: { status: 'Synced' }, health: { status: 'Healthy', message: null } } },
    );
    kube.store.patchStatus(claim, {
      conditions: [
        { type: 'Synced', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
    });
    await waitFor('the close', () => (opened.state === 'closed' ? true : undefined));
    expect(opened.history).toContain('closed:completed');
    expect(opened.body).toContain('is in sync with the cluster');

    // A merge being delivered makes OutOfSync expected: no drift while it is pending.
    pending = true;
    clock = new Date('2026-12-04T11:00:00Z');
    kube.store.patch(
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: 'argocd', name: 'web' },
      { status: { sync: { status: 'OutOfSync' } } },
    );
    const checks = github.requests.length;
    await waitFor('two more checks', () => (github.requests.length >= checks + 2 ? true : undefined));
    expect(opened.state).toBe('closed');

    pending = false;
    await waitFor('the reopen', () => (opened.state === 'open' ? true : undefined));
    expect(opened.history.at(-1)).toBe('open:reopened');
    expect(opened.body).toContain('argocd/web');
    // The item drifted anew: its "since" is this check's, not the earlier episode's.
    expect(opened.body).toContain('2026-12-04T11:00:00.000Z');
    expect(reports()).toHaveLength(1);

    expect(policy.denied).toEqual([]);
    github.assertRequestsMatchOpenApi();
  });

  it('stops the checks when the config turns drift off', async () => {
    const store = createDriftStore({ redis, prefix });
    await createDriftRecorder({ store, queue })(
      { installationId: 1, owner: OWNER, repo: REPO },
      { enabled: false, intervalMinutes: 30, definitions },
      undefined,
    );
    expect(await queue.queue.getJobSchedulers()).toEqual([]);
  });
});
