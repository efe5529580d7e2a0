import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemoRepo, type DemoRepo } from '../../scripts/build-demo-repo.ts';
import { createRepoCache, RepoSyncError } from '../../src/git/repo-cache.ts';
import { runPlanJob } from '../../src/github/run-plan-job.ts';
import type { PlanLogger } from '../../src/plan/plan-logger.ts';
import type { PlanJobData } from '../../src/queue/plan-job.ts';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.ts';
import { assertGitHubRequests, type GitHubRequest } from '../support/github-openapi.ts';

const API = 'https://api.github.com';
const OWNER = 'mergeplane';
const REPO = 'demo-gitops';
const PR = 7;
const TOKEN = 'ghs_installation-token';
const CHECK_RUN_ID = 4242;
const COMMENT_ID = 99;
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const CHECK_RUN = `${CHECK_RUNS}/${CHECK_RUN_ID}`;
const COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`;
const COMMENT_URL = `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${COMMENT_ID}`;
// Plans of the whole demo render helm and kustomize apps: seconds, not milliseconds.
const PLAN_TIMEOUT = 120_000;

let demo: DemoRepo;
let served: string;
let server: GitHttpServer;
let cacheDir: string;
let requests: GitHubRequest[] = [];
let unmatched: string[] = [];
const cleanups: (() => void)[] = [];

const onNoMatch = (request: Request) => unmatched.push(`${request.method} ${request.url}`);

function github(): nock.Scope {
  const scope = nock(API);
  // nock 15 hands listeners the Fetch API `Request` and the body already read as a string.
  scope.on('request', (request: Request, _interceptor: unknown, body: string) => {
    requests.push({ method: request.method, url: request.url, body });
  });
  return scope;
}

function jobData(): PlanJobData {
  return {
    deliveryId: 'delivery-1',
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: PR,
    headSha: demo.head,
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

function deps(overrides: { token?: string; isCurrent?: () => Promise<boolean> } = {}) {
  return {
    octokit: new Octokit({ auth: TOKEN, request: { retries: 0 } }),
    token: overrides.token ?? TOKEN,
    repoCache: createRepoCache({ dir: cacheDir, baseUrl: server.baseUrl }),
    cacheDir: false as const,
    logger,
    isCurrent: overrides.isCurrent ?? (async () => true),
    appUserLogin: 'mergeplane[bot]',
  };
}

/** The JSON body of every request with `method` to `path`, in order. */
function bodies(method: string, path: string): Record<string, unknown>[] {
  return requests
    .filter((r) => r.method === method && new URL(r.url).pathname === path)
    .map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);
}

function calls(): string[] {
  return requests.map(({ method, url }) => `${method} ${new URL(url).pathname}`);
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'mergeplane-run-plan-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  demo = buildDemoRepo(join(root, 'demo'));
  served = join(root, 'served');
  const bare = join(served, OWNER, `${REPO}.git`);
  mkdirSync(bare, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  execFileSync('git', ['push', '-q', bare, 'main:refs/heads/main', `demo-change:refs/pull/${PR}/head`], {
    cwd: demo.dir,
  });
  server = await startGitHttpServer({ root: served, token: TOKEN });
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', onNoMatch);
});

afterAll(async () => {
  nock.emitter.off('no match', onNoMatch);
  nock.enableNetConnect();
  await server.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

beforeEach(() => {
  nock.cleanAll();
  requests = [];
  unmatched = [];
  warnings.length = 0;
  cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-run-plan-cache-'));
});

afterEach(() => {
  rmSync(cacheDir, { recursive: true, force: true });
  // Every mock used, nothing unexpected asked, and every request valid against GitHub's OpenAPI.
  expect(nock.pendingMocks()).toEqual([]);
  expect(unmatched).toEqual([]);
  assertGitHubRequests(requests);
});

describe('runPlanJob', () => {
  it(
    'plans the demo pull request, posts the comment and completes the check run',
    async () => {
      const scope = github()
        .post(CHECK_RUNS)
        .reply(201, { id: CHECK_RUN_ID })
        .get(COMMENTS)
        .query({ per_page: 100 })
        .reply(200, [])
        .post(COMMENTS)
        .reply(201, {
          id: COMMENT_ID,
          body: 'plan',
          html_url: COMMENT_URL,
          user: { login: 'mergeplane[bot]', type: 'Bot' },
        })
        .patch(CHECK_RUN)
        .reply(200, { id: CHECK_RUN_ID });

      const started = performance.now();
      const result = await runPlanJob(jobData(), deps());
      const elapsed = performance.now() - started;
      // Measured, not asserted (no timed assertions here): the wall time of a whole demo plan job.
      console.info(`run-plan-job demo wall time: ${elapsed.toFixed(0)} ms`);

      scope.done();
      expect(result).toEqual({ outcome: 'published', conclusion: 'success', commentUrls: [COMMENT_URL] });
      expect(calls()).toEqual([
        `POST ${CHECK_RUNS}`,
        `GET ${COMMENTS}`,
        `POST ${COMMENTS}`,
        `PATCH ${CHECK_RUN}`,
      ]);
      expect(bodies('POST', CHECK_RUNS)).toEqual([
        expect.objectContaining({ name: 'Mergeplane / plan', head_sha: demo.head, status: 'in_progress' }),
      ]);
      const [posted] = bodies('POST', COMMENTS);
      for (const app of ['podinfo-production', 'guestbook-prod-eu', 'notifications']) {
        expect(posted?.body).toContain(app);
      }
      const [completed] = bodies('PATCH', CHECK_RUN);
      expect(completed).toMatchObject({ status: 'completed', conclusion: 'success' });
      expect(completed).not.toHaveProperty('head_sha');
      expect(JSON.stringify(completed)).toContain(COMMENT_URL);
      expect(warnings).toEqual([]);
    },
    PLAN_TIMEOUT,
  );

  it(
    'publishes no comment when a newer commit superseded the plan',
    async () => {
      const scope = github()
        .post(CHECK_RUNS)
        .reply(201, { id: CHECK_RUN_ID })
        .patch(CHECK_RUN)
        .reply(200, { id: CHECK_RUN_ID });

      const result = await runPlanJob(jobData(), deps({ isCurrent: async () => false }));

      scope.done();
      expect(result).toEqual({ outcome: 'superseded', conclusion: 'neutral' });
      expect(calls()).toEqual([`POST ${CHECK_RUNS}`, `PATCH ${CHECK_RUN}`]);
      expect(bodies('PATCH', CHECK_RUN)).toEqual([
        expect.objectContaining({
          status: 'completed',
          conclusion: 'neutral',
          output: expect.objectContaining({ title: 'Superseded by a newer commit' }),
        }),
      ]);
    },
    PLAN_TIMEOUT,
  );

  it('completes the check run as failure with the reason and rethrows when planning fails', async () => {
    const scope = github()
      .post(CHECK_RUNS)
      .reply(201, { id: CHECK_RUN_ID })
      .patch(CHECK_RUN)
      .reply(200, { id: CHECK_RUN_ID });

    const error = await runPlanJob(jobData(), deps({ token: 'ghs_wrong-token' })).catch((e: unknown) => e);

    scope.done();
    expect(error).toBeInstanceOf(RepoSyncError);
    expect(calls()).toEqual([`POST ${CHECK_RUNS}`, `PATCH ${CHECK_RUN}`]);
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
