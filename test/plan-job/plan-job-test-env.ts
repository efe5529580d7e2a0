import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { createRepoCache } from '../../src/git/repo-cache.ts';
import { silentLogger } from '../../src/plan/plan-logger.ts';
import type { RunPlanJobDeps } from '../../src/plan-job/run-plan-job.ts';
import { TOKEN } from '../github/pull-request-fixture.ts';
import type { GitHttpServer } from '../support/git-http-server.ts';
import { assertGitHubRequests, type GitHubRequest } from '../support/github-openapi.ts';

export const API = 'https://api.github.com';

export interface PlanJobTestEnv<F> {
  /** The served repository, created once for the file. */
  fixture(): F;
  /** This test's (fresh, empty) repo cache directory. */
  cacheDir(): string;
  /** This test's GitHub requests (emptied before each test), for assertions and the OpenAPI check. */
  readonly requests: GitHubRequest[];
  /** A nock scope for the GitHub API that records every request it answers. */
  github(): nock.Scope;
  /** The JSON body of every request with `method` to `path`, in order. */
  bodies(method: string, path: string): Record<string, unknown>[];
  /**
   * Plan job deps against the served repository: a fresh repo cache, no render cache on disk, a silent
   * logger, always current; `extra` overrides any of them.
   */
  deps(extra?: Partial<RunPlanJobDeps>): RunPlanJobDeps;
}

/**
 * Registers the lifecycle the plan job runner tests share: the repository served over smart HTTP for the
 * whole file, the network off except loopback (the git server, Redis), a fresh repo cache per test, and
 * after each test every nock interceptor used, no unmatched request and every request valid against
 * GitHub's OpenAPI description.
 */
export function usePlanJobTestEnv<F extends { server: GitHttpServer; close(): Promise<void> }>(options: {
  serve: () => Promise<F>;
  /** Guards the (git-heavy) creation of the served repository. */
  timeoutMs?: number;
}): PlanJobTestEnv<F> {
  let fixture: F | undefined;
  let cacheDir: string | undefined;
  const requests: GitHubRequest[] = [];
  const unmatched: string[] = [];
  const onNoMatch = (request: Request) => unmatched.push(`${request.method} ${request.url}`);
  const current = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside a test`);
    return value;
  };

  beforeAll(async () => {
    fixture = await options.serve();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock.emitter.on('no match', onNoMatch);
  }, options.timeoutMs ?? 60_000);

  afterAll(async () => {
    nock.emitter.off('no match', onNoMatch);
    nock.enableNetConnect();
    await fixture?.close();
  });

  beforeEach(() => {
    nock.cleanAll();
    requests.length = 0;
    unmatched.length = 0;
    cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-plan-job-cache-'));
  });

  afterEach(() => {
    if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
    expect(nock.pendingMocks()).toEqual([]);
    expect(unmatched).toEqual([]);
    assertGitHubRequests(requests);
  });

  const env: PlanJobTestEnv<F> = {
    fixture: () => current(fixture, 'the served repository'),
    cacheDir: () => current(cacheDir, 'the repo cache directory'),
    requests,
    github() {
      const scope = nock(API);
      // nock 15 hands listeners the Fetch API `Request` and the body already read as a string.
      scope.on('request', (request: Request, _interceptor: unknown, body: string) => {
        requests.push({ method: request.method, url: request.url, body });
      });
      return scope;
    },
    bodies(method, path) {
      return requests
        .filter((r) => r.method === method && new URL(r.url).pathname === path)
        .map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);
    },
    deps(extra = {}) {
      return {
        octokit: new Octokit({ auth: TOKEN, request: { retries: 0 } }),
        token: TOKEN,
        repoCache: createRepoCache({ dir: env.cacheDir(), baseUrl: env.fixture().server.baseUrl }),
        cacheDir: false,
        logger: silentLogger,
        // Unit tests of the job: its head is the pull request's head unless a test says otherwise.
        currentHead: async (data) => ({
          open: true,
          headSha: data.headSha,
          baseRef: data.baseRef,
          headRef: data.headRef,
        }),
        appUserLogin: 'mergeplane[bot]',
        ...extra,
      };
    },
  };
  return env;
}
