import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffStickyMarker } from '../../src/github/sticky-markers.ts';
import { type RunPlanJobDeps, runPlanJob } from '../../src/plan-job/run-plan-job.ts';
import type { PlanJobData } from '../../src/queue/plan-job.ts';
import { GITHUB_COMMENT_LIMIT } from '../../src/report/split-comment.ts';
import { createPullRequestFixture, OWNER, REPO } from '../github/pull-request-fixture.ts';
import { usePlanJobTestEnv } from './plan-job-test-env.ts';

const PR = 6;
const COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`;
const TIMEOUT = 60_000;

const env = usePlanJobTestEnv({ serve: createPullRequestFixture, timeoutMs: TIMEOUT });
const { requests, github } = env;
// Shared by the tests: the render cache makes every plan after the first cheap, as in the server.
let renderCacheDir: string;

beforeAll(() => {
  renderCacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-diff-render-cache-'));
});

afterAll(() => {
  rmSync(renderCacheDir, { recursive: true, force: true });
});

function diffJob(app: string): PlanJobData {
  return {
    deliveryId: 'delivery-diff',
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: PR,
    headSha: env.fixture().heads[PR] ?? '',
    baseRef: 'main',
    headRef: 'feature',
    trigger: 'diff',
    diff: { app, requestedBy: 'bob' },
  };
}

/** `isCurrent` false: GitHub reports another commit as the pull request's head by the time the diff is ready. */
function deps(isCurrent = true): RunPlanJobDeps {
  return env.deps({
    cacheDir: renderCacheDir,
    currentHead: async (data) => ({
      open: true,
      headSha: isCurrent ? data.headSha : 'f'.repeat(40),
      baseRef: data.baseRef,
      headRef: data.headRef,
    }),
  });
}

const postedBodies = () => env.bodies('POST', COMMENTS).map((body) => String(body.body));

describe('diff job', () => {
  it(
    "posts the app's complete diff as its own sticky comment, in parts, without a check run",
    async () => {
      let id = 100;
      const scope = github().get(COMMENTS).query({ per_page: 100 }).reply(200, []);
      scope
        .post(COMMENTS)
        .times(2)
        .reply(201, () => ({ id: ++id, html_url: `https://github.com/c#${id}` }));

      const result = await runPlanJob(diffJob('infra'), deps());

      expect(result.outcome).toBe('published');
      const parts = postedBodies();
      expect(parts).toHaveLength(2);
      expect(result.commentUrls).toHaveLength(parts.length);
      const marker = diffStickyMarker(PR, 'argocd/infra');
      parts.forEach((body, index) => {
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(marker.parse(body)).toBe(index + 1);
        expect(body).toContain(`**Part ${index + 1} of ${parts.length}**`);
      });
      const all = parts.join('\n');
      expect(all.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
      // Nothing truncated: the first and the last changed key are both there.
      expect(all).toContain('+  key-0: head value that changed in this pull request-0');
      expect(all).toContain('+  key-1199: head value that changed in this pull request-1199');
      expect(all).not.toContain('truncated');
      expect(requests.some((r) => new URL(r.url).pathname.includes('check-runs'))).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'answers an unknown app with the affected apps, escaped, and posts no diff',
    async () => {
      github().post(COMMENTS).reply(201, { id: 1 });
      const result = await runPlanJob(diffJob('nope'), deps());
      expect(result.outcome).toBe('replied');
      expect(postedBodies()).toEqual(['No application named `nope`. Affected applications: `argocd/infra`.']);
    },
    TIMEOUT,
  );

  it(
    'posts nothing when a newer head superseded the request',
    async () => {
      const result = await runPlanJob(diffJob('infra'), deps(false));
      expect(result.outcome).toBe('superseded');
      expect(requests).toEqual([]);
    },
    TIMEOUT,
  );
});
