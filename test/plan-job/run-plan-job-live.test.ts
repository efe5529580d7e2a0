import { describe, expect, it } from 'vitest';
import type { LiveReader } from '../../src/kube/argocd-live-reader.ts';
import type { AddedApp, DestinationLiveReader } from '../../src/kube/destination-live-reader.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { runPlanJob } from '../../src/plan-job/run-plan-job.ts';
import type { PlanJobData } from '../../src/queue/plan-job.ts';
import { createPullRequestFixture, OWNER, REPO } from '../github/pull-request-fixture.ts';
import { usePlanJobTestEnv } from './plan-job-test-env.ts';

const CHECK_RUN_ID = 4343;
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const comments = (pr: number) => `/repos/${OWNER}/${REPO}/issues/${pr}/comments`;
const TIMEOUT = 60_000;

const env = usePlanJobTestEnv({ serve: createPullRequestFixture, timeoutMs: TIMEOUT });
const { bodies, github } = env;

function publishes(pr: number): void {
  github()
    .get(`/repos/${OWNER}/${REPO}/commits/${env.fixture().heads[pr]}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post(CHECK_RUNS)
    .reply(201, { id: CHECK_RUN_ID })
    .get(comments(pr))
    .query({ per_page: 100 })
    .reply(200, [])
    .post(comments(pr))
    .reply(201, { id: 1, html_url: `https://github.com/${OWNER}/${REPO}/pull/${pr}#issuecomment-1` })
    .patch(`${CHECK_RUNS}/${CHECK_RUN_ID}`)
    .reply(200, { id: CHECK_RUN_ID });
}

function jobData(pr: number): PlanJobData {
  return {
    deliveryId: `delivery-${pr}`,
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: pr,
    headSha: env.fixture().heads[pr] ?? '',
    baseRef: env.fixture().bases[pr] ?? '',
    headRef: `feature-${pr}`,
    trigger: 'pull_request',
    author: 'alice',
  };
}

/** Argo CD's view of `infra`: its Namespace as rendered, and the ConfigMap edited by hand in one key. */
function argoCd(asked: string[]): LiveReader {
  const live: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'infra', uid: 'x', resourceVersion: '7' },
    data: { 'key-0': 'live diff-0', 'key-1': 'edited by hand', 'key-2': 'live diff-2' },
  };
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', uid: 'y', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
  return {
    liveObjects: async (app, isThisRepo) => {
      asked.push(`${app.namespace}/${app.name}`);
      // The fixture's config names the repository https://github.com/acme/gitops.
      expect(isThisRepo('https://github.com/acme/gitops.git')).toBe(true);
      expect(isThisRepo('https://github.com/acme/other')).toBe(false);
      return { kind: 'live', objects: [namespace, live] };
    },
  };
}

describe('runPlanJob live diff', () => {
  it(
    'compares the head with Argo CD’s live objects when the base config asks, beside the base/head diff',
    async () => {
      publishes(7);
      const asked: string[] = [];
      await runPlanJob(jobData(7), env.deps({ liveReader: argoCd(asked) }));
      expect(asked).toEqual(['argocd/infra']);
      const body = String(bodies('POST', comments(7))[0]?.body);
      expect(body).toContain('**Live in the cluster**');
      expect(body).toContain('1 identical · 1 would update · 0 would create.');
      expect(body).toContain('Already identical: `Namespace team-a`.');
      expect(body).toMatch(/-\s+key-1: edited by hand/);
      const check = bodies('PATCH', `${CHECK_RUNS}/${CHECK_RUN_ID}`)[0] as { output: { text?: string } };
      expect(check.output.text).toContain('"live"');
    },
    TIMEOUT,
  );

  it(
    'reads nothing live for a repository that does not ask',
    async () => {
      publishes(6);
      const asked: string[] = [];
      await runPlanJob(jobData(6), env.deps({ liveReader: argoCd(asked) }));
      expect(asked).toEqual([]);
      expect(String(bodies('POST', comments(6))[0]?.body)).not.toContain('Live in the cluster');
    },
    TIMEOUT,
  );

  /** The added app's destination, as a cluster holding its ConfigMap created by hand (a takeover). */
  function destinations(asked: AddedApp[]): (namespace: string) => DestinationLiveReader {
    return (argocdNamespace) => ({
      liveObjects: async (app, head) => {
        expect(argocdNamespace).toBe('argocd');
        asked.push(app);
        return {
          kind: 'live',
          cluster: 'in-cluster',
          live: head.map((o) => structuredClone(o)),
          notRead: [],
        };
      },
    });
  }

  function pullHead(pr: number, fullName: string): void {
    github()
      .get(`/repos/${OWNER}/${REPO}/pulls/${pr}`)
      .reply(200, { number: pr, head: { sha: env.fixture().heads[pr], repo: { full_name: fullName } } });
  }

  it(
    'reads an added app’s destination cluster for a branch of the repository itself',
    async () => {
      publishes(8);
      pullHead(8, `${OWNER}/${REPO}`);
      const asked: AddedApp[] = [];
      await runPlanJob(
        jobData(8),
        env.deps({ liveReader: argoCd([]), destinationsFor: destinations(asked) }),
      );
      expect(asked).toEqual([
        expect.objectContaining({
          name: 'shop',
          project: 'default',
          destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
        }),
      ]);
      const body = String(bodies('POST', comments(8))[0]?.body);
      expect(body).toContain('read from `in-cluster`');
      expect(body).toContain('1 identical · 0 would update · 0 would create.');
    },
    TIMEOUT,
  );

  it(
    'reads no destination for a pull request from a fork, and says so',
    async () => {
      publishes(8);
      pullHead(8, 'stranger/gitops');
      const asked: AddedApp[] = [];
      await runPlanJob(
        jobData(8),
        env.deps({ liveReader: argoCd([]), destinationsFor: destinations(asked) }),
      );
      expect(asked).toEqual([]);
      const body = String(bodies('POST', comments(8))[0]?.body);
      expect(body).toContain('Not compared: a pull request from a fork');
    },
    TIMEOUT,
  );
});
