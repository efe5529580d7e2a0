import { EventEmitter } from 'node:events';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import {
  createDeliverWorker,
  type DeliverWorker,
  type DeliverWorkerDeps,
  type DeliverWorkerOptions,
} from '../../src/delivery/deliver-worker.ts';
import { PlanInputError } from '../../src/engine/plan-change.ts';
import type { RepoCache } from '../../src/git/repo-cache.ts';
import {
  type ClaimTarget,
  claimTargetKey,
  type DeliveryPlan,
  type DeliveryStage,
  type SyncTarget,
  syncTargetKey,
} from '../../src/model/delivery-plan.ts';
import type { MergeInput } from '../../src/queue/deliver-job.ts';
import { createDeliverQueue, type DeliverQueue } from '../../src/queue/deliver-queue.ts';
import { useOfflineTestEnv } from '../github/handlers/handler-test-env.ts';
import { createRedisScope, redisUrl, until } from '../queue/redis-test-env.ts';
import { assertGitHubRequests, type GitHubRequest } from '../support/github-openapi.ts';
import { createFakeKubeDelivery } from './fake-kube-delivery.ts';

export const GITHUB = 'https://api.github.com';
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const SHA1 = '1111111111111111111111111111111111111111';
export const SHA2 = '2222222222222222222222222222222222222222';
export const BEFORE = '0123456789abcdef0123456789abcdef01234567';

export interface PostedStatus {
  sha: string;
  context: string;
  state: string;
  description: string;
  target_url?: string;
}

export function syncTarget(name: string, wave = 0, extra: Partial<SyncTarget> = {}): SyncTarget {
  const app = { namespace: 'argocd', name };
  return {
    type: 'sync',
    key: syncTargetKey(app),
    app,
    observeOnly: false,
    wave,
    reason: 'changed',
    ...extra,
  };
}

export function claimTarget(namespace: string, name: string, extra: Partial<ClaimTarget> = {}): ClaimTarget {
  const claim = { apiVersion: 'platform.example.org/v1alpha1', kind: 'PostgreSQLInstance', namespace, name };
  return {
    type: 'claim',
    key: claimTargetKey(claim),
    claim,
    action: 'apply',
    object: { apiVersion: claim.apiVersion, kind: claim.kind, metadata: { name, namespace }, spec: {} },
    ...extra,
  };
}

/** A plan with the given stages (the worker's planner returns it for any merge). */
export function planOf(mergeSha: string, ...stages: DeliveryStage[]): DeliveryPlan {
  return {
    mergeSha,
    before: BEFORE,
    stages,
    notes: [],
    options: { timeoutMs: 60_000, degradedGraceMs: 1_000, prune: false, argocdNamespace: 'argocd' },
  };
}

export function mergeInput(sha: string, extra: Partial<MergeInput> = {}): MergeInput {
  return {
    deliveryId: `delivery-${sha.slice(0, 4)}`,
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    before: BEFORE,
    after: sha,
    baseBranch: 'master',
    trigger: 'push',
    ...extra,
  };
}

// Octokit's request log would print the deliberate 5xx answers.
const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

const unusedRepoCache: RepoCache = {
  sync() {
    throw new Error('the test planner does not use git');
  },
};

/** Real Redis (random prefix), GitHub mocked with nock and every request checked, and the in-memory KubeDelivery. */
export function createDeliverTestEnv() {
  const scope = createRedisScope();
  const kube = createFakeKubeDelivery();
  const requests: GitHubRequest[] = [];
  const statuses: PostedStatus[] = [];
  const comments: { issue: number; body: string }[] = [];
  const events = new EventEmitter();
  const plans = new Map<string, DeliveryPlan>();
  const github = nock(GITHUB);
  const workers: DeliverWorker[] = [];

  const record = async (request: Request) => {
    const text = await request.text();
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    requests.push({ method: request.method, url: request.url, body });
    return body as Record<string, unknown> | undefined;
  };

  /** Commit statuses answer 201, except the next `statusFailures` ones and any whose description matches (502). */
  let statusFailures = 0;
  let failingDescriptions: RegExp | undefined;

  const queue: DeliverQueue = scope.track(createDeliverQueue({ connection: redisUrl, prefix: scope.prefix }));

  return {
    scope,
    kube,
    requests,
    statuses,
    comments,
    events,
    github,
    queue,
    /** The plan the worker's planner returns for a merge SHA. */
    plan(plan: DeliveryPlan) {
      plans.set(plan.mergeSha, plan);
    },
    failNextStatuses(count: number) {
      statusFailures = count;
    },
    /** Every status whose description matches answers 502, however often it is tried. */
    failStatusesDescribed(description: RegExp) {
      failingDescriptions = description;
    },
    /** Mocks POST statuses and POST comments (persistently). */
    mockGitHub() {
      github
        .post(/^\/repos\/[^/]+\/[^/]+\/statuses\/[0-9a-f]+$/)
        .reply(async (request: Request) => {
          const body = (await record(request)) ?? {};
          if (statusFailures > 0) {
            statusFailures -= 1;
            return [502, { message: 'Bad Gateway' }];
          }
          if (failingDescriptions?.test(String((body as { description?: unknown }).description))) {
            return [502, { message: 'Bad Gateway' }];
          }
          const sha = new URL(request.url).pathname.split('/').pop() ?? '';
          statuses.push({ sha, ...(body as Omit<PostedStatus, 'sha'>) });
          events.emit('status');
          return [201, { id: statuses.length }];
        })
        .persist();
      github
        .post(/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/)
        .reply(async (request: Request) => {
          const body = (await record(request)) as { body: string };
          const issue = Number(new URL(request.url).pathname.split('/').at(-2));
          comments.push({ issue, body: body.body });
          events.emit('status');
          return [
            201,
            { id: comments.length, html_url: `https://github.com/${OWNER}/${REPO}/pull/${issue}#c` },
          ];
        })
        .persist();
    },
    /** GET /repos/{owner}/{repo}/commits/{sha}/pulls, once. */
    mockPullsOfCommit(sha: string, number: number) {
      github.get(`/repos/${OWNER}/${REPO}/commits/${sha}/pulls`).reply(async (request: Request) => {
        await record(request);
        return [200, [{ number, merge_commit_sha: sha, merged_at: '2026-03-03T14:30:00Z' }]];
      });
    },
    startWorker(
      options: Partial<Omit<DeliverWorkerOptions, 'deps'>> & {
        deps?: Pick<DeliverWorkerDeps, 'kubeFor' | 'log'>;
      } = {},
    ): DeliverWorker {
      const { deps: extraDeps, ...rest } = options;
      const worker = createDeliverWorker({
        connection: redisUrl,
        prefix: scope.prefix,
        concurrency: 4,
        lockRetryDelayMs: 50,
        watchdogIntervalMs: 0,
        retry: { attempts: 3, backoffDelayMs: 20 },
        ...rest,
        deps: {
          ...extraDeps,
          octokitFor: async () => new Octokit({ auth: 'installation-token', log: quietLog }),
          tokenFor: async () => 'installation-token',
          repoCache: unusedRepoCache,
          kube: kube.kube,
          argocdUrl: 'https://argocd.example.com',
          planner: async (input) => {
            const plan = plans.get(input.after);
            if (!plan) throw new PlanInputError(`unknown revision: ${input.after}`);
            return structuredClone(plan);
          },
        },
      });
      workers.push(worker);
      return worker;
    },
    /** The statuses of one context, in posting order. */
    statesOf(context: string, sha?: string): string[] {
      return statuses.filter((s) => s.context === context && (!sha || s.sha === sha)).map((s) => s.state);
    },
    lastOf(context: string, sha?: string): PostedStatus | undefined {
      return statuses.filter((s) => s.context === context && (!sha || s.sha === sha)).at(-1);
    },
    /** Resolves once the merge's aggregate `mergeplane/deploy` status is final (the n-th final one). */
    deployFinished(sha: string, count = 1): Promise<void> {
      return until(
        events,
        ['status'],
        () =>
          statuses.filter((s) => s.sha === sha && s.context === 'mergeplane/deploy' && s.state !== 'pending')
            .length >= count,
        `final mergeplane/deploy status of ${sha.slice(0, 7)}`,
        20_000,
      );
    },
    async cleanup() {
      try {
        await Promise.allSettled(workers.map((w) => w.close(true)));
        await scope.cleanup();
      } finally {
        nock.cleanAll();
      }
    },
  };
}

export type DeliverTestEnv = ReturnType<typeof createDeliverTestEnv>;

/** The shared offline lifecycle (handler-test-env.ts), with GitHub's statuses and comments mocked in each test. */
export function useDeliverTestEnv(): { current(): DeliverTestEnv } {
  return useOfflineTestEnv({
    create: () => {
      const env = createDeliverTestEnv();
      env.mockGitHub();
      return env;
    },
    verify: (env) => assertGitHubRequests(env.requests),
  });
}
