import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  createDeliverWorkerFactory,
  type DeliverWorkerTuning,
} from '../../src/server/deliver-worker-factory.ts';
import { createPlanWorkerFactory } from '../../src/server/plan-worker-factory.ts';
import { loadServerEnv, type ServerEnv } from '../../src/server/server-env.ts';
import {
  type RunningMergeplane,
  type StartOptions,
  startServer,
  startWorkers,
} from '../../src/server/start-server.ts';
import type { WorkerFactory } from '../../src/server/worker-factory.ts';
import {
  assertRedisReachable,
  createRedisScope,
  redisUrl as defaultRedisUrl,
  until,
} from '../queue/redis-test-env.ts';
import {
  APP_ID,
  captureLogger,
  commentPayload,
  deliver,
  generateAppKey,
  INSTALLATION_ID,
  type LogRecord,
  OWNER,
  REPO,
  WEBHOOK_SECRET,
  webhookExample,
} from '../server/server-test-env.ts';
import {
  type FakeGitHub,
  type FakePull,
  type FakeStatus,
  startFakeGitHub,
} from '../support/fake-github-server.ts';
import { deliveryConfig } from './demo-changes.ts';
import { type E2ECluster, type E2EClusterOptions, startE2ECluster } from './e2e-cluster.ts';
import { createE2ERepo, type E2ERepo } from './e2e-repo.ts';

type Json = Record<string, unknown>;

export const WRITER = 'octo-writer';

/** Short production-shaped settings: retries in milliseconds, app locks that lapse quickly. */
export const E2E_TUNING: DeliverWorkerTuning = {
  retry: { attempts: 3, backoffDelayMs: 200 },
  appLockTtlMs: 3_000,
  lockRetryDelayMs: 200,
  supersedeCheckMs: 200,
};

export interface DeliveryE2EOptions extends Omit<E2EClusterOptions, 'repo'> {
  repo: E2ERepo;
  /** Server environment overrides (e.g. MERGEPLANE_WORKER_CONCURRENCY). */
  env?: Record<string, string>;
  /** Default: the plan worker and a deliver worker with `tuning`. `[]`: webhooks only. */
  workers?: WorkerFactory[];
  tuning?: DeliverWorkerTuning;
  redisUrl?: string;
}

export interface DeliveryE2E {
  github: FakeGitHub;
  cluster: E2ECluster;
  server: RunningMergeplane;
  env: ServerEnv;
  /** Everything the server (and any worker started with `startWorkers`) logged. */
  logs: LogRecord[];
  /** Pull requests the GitHub stand-in knows, by `owner/repo#N` (mutable). */
  pulls: Record<string, FakePull>;
  prefix: string;
  /** Advances `main` to `sha`, tells Argo CD, and sends the webhooks GitHub sends for a merge. */
  merge(input: {
    before: string;
    after: string;
    pullNumber?: number;
    via?: 'push' | 'pull_request' | 'both';
    /** Default true; false: Argo CD has not noticed the push yet (it polls Git every few minutes). */
    argo?: boolean;
    /** A webhook of an earlier merge arriving only now (lost, then redelivered): `main` stays where it is. */
    late?: boolean;
  }): Promise<void>;
  /** `/mergeplane retry` by a writer on pull request `pullNumber`. */
  comment(pullNumber: number, body: string): Promise<void>;
  /** More worker processes (e.g. the replacement of a crashed one), closed with the environment. */
  startWorkers(workers: WorkerFactory[], options?: { shutdownGraceMs?: number }): Promise<RunningMergeplane>;
  statuses(sha: string, context?: string): FakeStatus[];
  /** States a context went through on a commit, in order. */
  states(sha: string, context: string): string[];
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves once every given context on `sha` has a final (non-pending) state. */

  waitFinal(sha: string, contexts: readonly string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let privateKey: string | undefined;

/** A real `push` example rewritten to the demo repository's `main`, from `before` to `after`. */
export function pushPayload(before: string, after: string): Json {
  const payload = webhookExample('push', undefined as unknown as string);
  rewriteRepository(payload);
  Object.assign(payload, {
    ref: 'refs/heads/main',
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${OWNER}/${REPO}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
  });
  const commit = { ...(payload.head_commit as Json), id: after, tree_id: after };
  payload.head_commit = commit;
  payload.commits = [commit];
  return payload;
}

/** A real `pull_request.closed` example, merged into `main` as `mergeSha`. */
export function mergedPullRequestPayload(number: number, mergeSha: string, base: string): Json {
  const payload = webhookExample('pull_request', 'closed');
  rewriteRepository(payload);
  payload.number = number;
  const pull = payload.pull_request as Json;
  Object.assign(pull, { number, state: 'closed', merged: true, merge_commit_sha: mergeSha });
  Object.assign(pull.base as Json, { ref: 'main', sha: base });
  return payload;
}

function rewriteRepository(payload: Json): void {
  const repository = payload.repository as Json;
  Object.assign(repository, {
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    default_branch: 'main',
    master_branch: 'main',
  });
  (repository.owner as Json).login = OWNER;
  (repository.owner as Json).name = OWNER;
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
}

/** The GitHub stand-in, the fake cluster and the started server, wired as in production. */
export async function startDeliveryE2E(options: DeliveryE2EOptions): Promise<DeliveryE2E> {
  privateKey ??= generateAppKey();
  const { repo } = options;
  const scope = createRedisScope();
  const pulls: Record<string, FakePull> = {};
  const github = await startFakeGitHub({
    appId: APP_ID,
    privateKey,
    gitRoot: repo.gitRoot,
    permissions: { [WRITER]: 'write' },
    pulls,
  });
  const cluster = await startE2ECluster({ ...options });
  const kubeconfig = join(repo.dir, `kubeconfig-${scope.prefix}.yaml`);
  writeFileSync(kubeconfig, cluster.kube.kubeconfigYaml(), { mode: 0o600 });
  const env = loadServerEnv({
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    REDIS_URL: options.redisUrl ?? defaultRedisUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    MERGEPLANE_QUEUE_PREFIX: scope.prefix,
    MERGEPLANE_CACHE_DIR: join(repo.dir, 'render-cache'),
    MERGEPLANE_REPO_CACHE_DIR: join(repo.dir, `repos-${scope.prefix}`),
    MERGEPLANE_DELIVERY: 'on',
    MERGEPLANE_KUBECONFIG: kubeconfig,
    ...options.env,
  });
  const { logger, records } = captureLogger('debug');
  const common: StartOptions = {
    env,
    logger,
    processEnv: {},
    octokit: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
    shutdownGraceMs: 2_000,
  };
  const server = await startServer({
    ...common,
    workers: options.workers ?? [
      createPlanWorkerFactory(),
      createDeliverWorkerFactory(options.tuning ?? E2E_TUNING),
    ],
  });
  const extra: RunningMergeplane[] = [];
  let comments = 5000;

  const statuses = (sha: string, context?: string) =>
    github.statuses.filter((s) => s.sha === sha && (context === undefined || s.context === context));
  // Conditions are checked again after every GitHub request and every change in the cluster.
  const changes = new EventEmitter();
  const onRequest = () => changes.emit('change');
  github.on('request', onRequest);
  const unwatch = cluster.kube.store.watch(() => changes.emit('change'));
  const waitFor = (check: () => boolean, what: string, timeoutMs = 20_000) =>
    until(changes, ['change'], check, what, timeoutMs);
  const send = async (name: string, payload: Json) => {
    const answer = await deliver(server.url ?? '', name, payload);
    if (answer.status !== 202 && answer.status !== 200)
      throw new Error(`webhook ${name} answered ${answer.status}: ${answer.body}`);
  };

  return {
    github,
    cluster,
    server,
    env,
    logs: records,
    pulls,
    prefix: scope.prefix,
    async merge({
      before,
      after,
      pullNumber,
      via = pullNumber === undefined ? 'push' : 'both',
      argo = true,
      late = false,
    }) {
      if (!late) repo.setMain(after);
      if (pullNumber !== undefined) {
        pulls[`${OWNER}/${REPO}#${pullNumber}`] = {
          number: pullNumber,
          state: 'closed',
          headSha: after,
          headRef: `change-${pullNumber}`,
          baseSha: before,
          baseRef: 'main',
          mergeCommitSha: after,
        };
      }
      // Argo CD hears about the push too (its own Git webhook): automated apps start syncing on their own.
      if (argo && !late) cluster.push(after);
      if (via !== 'pull_request') await send('push', pushPayload(before, after));
      if (via !== 'push' && pullNumber !== undefined)
        await send('pull_request', mergedPullRequestPayload(pullNumber, after, before));
    },
    async comment(pullNumber, body) {
      comments += 1;
      await send('issue_comment', commentPayload(pullNumber, WRITER, body, comments));
    },
    async startWorkers(workers, overrides = {}) {
      const running = await startWorkers({ ...common, ...overrides, http: false, workers });
      extra.push(running);
      return running;
    },
    statuses,
    states: (sha, context) => statuses(sha, context).map((s) => s.state),
    waitFor,
    waitFinal(sha, contexts, timeoutMs) {
      return waitFor(
        () =>
          contexts.every((context) => {
            const last = statuses(sha, context).at(-1);
            return last !== undefined && last.state !== 'pending';
          }),
        `final statuses of ${contexts.join(', ')} on ${sha.slice(0, 7)}`,
        timeoutMs,
      );
    },
    async close() {
      unwatch();
      github.off('request', onRequest);
      await Promise.allSettled(extra.map((w) => w.close()));
      await server.close();
      await cluster.close();
      await github.close();
      await scope.cleanup();
    },
  };
}

export interface DeliveryE2ESuiteOptions extends Omit<DeliveryE2EOptions, 'repo' | 'main'> {
  /** The config's `delivery:` block, committed on the demo repository's head to make the starting `main`. */
  delivery: string;
  /** That commit's message. */
  message: string;
}

export interface DeliveryE2ESuite {
  readonly repo: E2ERepo;
  readonly e2e: DeliveryE2E;
  /** The demo repository's `main`: the commit with the `delivery:` block, then whatever the tests merged. */
  main: string;
}

/**
 * Registers the lifecycle the delivery end-to-end files share: beforeAll, a fresh demo repository whose `main`
 * carries `delivery` and the environment started on it; afterAll, both closed. The fields are usable from the
 * first test on.
 */
export function useDeliveryE2E(options: DeliveryE2ESuiteOptions): DeliveryE2ESuite {
  const { delivery, message, ...start } = options;
  let repo: E2ERepo | undefined;
  let e2e: DeliveryE2E | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the delivery end-to-end environment is not started');
    return value;
  };
  const suite: DeliveryE2ESuite = {
    get repo() {
      return started(repo);
    },
    get e2e() {
      return started(e2e);
    },
    main: '',
  };
  beforeAll(async () => {
    await assertRedisReachable();
    repo = createE2ERepo();
    suite.main = repo.commit(repo.head, deliveryConfig(repo, repo.head, delivery), message);
    repo.setMain(suite.main);
    e2e = await startDeliveryE2E({ ...start, repo, main: suite.main });
  });
  afterAll(async () => {
    await e2e?.close();
    repo?.cleanup();
  });
  return suite;
}
