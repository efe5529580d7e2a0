import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { checkRunProgressOutput, createCheckRunProgress } from '../../src/github/check-run-progress.ts';
import { silentLogger } from '../../src/plan/plan-logger.ts';
import { assertGitHubRequests, type GitHubRequest } from '../support/github-openapi.ts';
import { flush, manualClock } from '../support/manual-clock.ts';

/** An Octokit whose requests are recorded (for the OpenAPI oracle) and answered 200, or `status`. */
function recordingOctokit(status = 200): { octokit: Octokit; requests: GitHubRequest[] } {
  const requests: GitHubRequest[] = [];
  const octokit = new Octokit({
    auth: 'ghs_test',
    request: {
      retries: 0,
      fetch: async (url: string, init: RequestInit) => {
        requests.push({ method: init.method ?? 'GET', url, body: init.body });
        return new Response(JSON.stringify({ id: 7 }), {
          status,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
  });
  return { octokit, requests };
}

const bodyOf = (request: GitHubRequest) => JSON.parse(String(request.body)) as Record<string, unknown>;

describe('the check run while a plan runs', () => {
  it('shows the phase and the count, at most once per interval, and never after close', async () => {
    const clock = manualClock();
    const { octokit, requests } = recordingOctokit();
    const shown = createCheckRunProgress({
      ...{ octokit, owner: 'acme', repo: 'gitops', checkRunId: 7, logger: silentLogger, clock },
      intervalMs: 60_000,
    });
    shown.progress({ phase: 'reading' });
    await flush();
    shown.progress({ phase: 'discovering' });
    shown.progress({ phase: 'rendering', done: 0, total: 1000 });
    await clock.advance(30_000);
    shown.progress({ phase: 'rendering', done: 200, total: 1000 });
    await clock.advance(30_000);
    shown.progress({ phase: 'rendering', done: 340, total: 1000 });
    shown.progress({ phase: 'crossplane' });
    await shown.close();
    await clock.advance(60_000);

    expect(requests.map((r) => [r.method, new URL(r.url).pathname])).toEqual([
      ['PATCH', '/repos/acme/gitops/check-runs/7'],
    ]);
    // Nothing in the first minute; then the latest state: 200 apps rendered in 60 s, so 800 take 240 s more.
    expect(requests.map(bodyOf)).toEqual([
      {
        status: 'in_progress',
        output: checkRunProgressOutput({ phase: 'rendering', done: 200, total: 1000 }, 240_000),
      },
    ]);
    expect(bodyOf(requests[0]!).output).toEqual({
      title: 'Rendering 200 of 1,000 affected apps',
      summary:
        'Mergeplane is planning this commit: rendering 200 of 1,000 affected apps (about 4 min left). The plan replaces this when it is done.',
    });
    assertGitHubRequests(requests);
  });

  it('skips an update the installation budget has no room for', async () => {
    const clock = manualClock();
    const { octokit, requests } = recordingOctokit();
    let room = 1;
    const shown = createCheckRunProgress({
      ...{ octokit, owner: 'acme', repo: 'gitops', checkRunId: 7, logger: silentLogger, clock },
      intervalMs: 2_000,
      budget: () => room-- > 0,
    });
    shown.progress({ phase: 'reading' });
    await clock.advance(2_000);
    shown.progress({ phase: 'discovering' });
    await clock.advance(2_000);
    await shown.close();
    expect(requests.map((r) => (bodyOf(r).output as { title: string }).title)).toEqual([
      'Reading the base and head revisions',
    ]);
  });

  it.each([
    [502, 2],
    [429, 1],
    [403, 1],
  ])(
    'logs a failed update (%i) and goes on, or gives way when refused: progress never fails the plan',
    async (status, sent) => {
      const clock = manualClock();
      const { octokit, requests } = recordingOctokit(status);
      const warnings: string[] = [];
      const logger = { ...silentLogger, warn: (_meta: unknown, message: string) => warnings.push(message) };
      const shown = createCheckRunProgress({
        ...{ octokit, owner: 'acme', repo: 'gitops', checkRunId: 7, logger, clock },
        intervalMs: 2_000,
      });
      shown.progress({ phase: 'reading' });
      await clock.advance(2_000);
      shown.progress({ phase: 'discovering' });
      await clock.advance(2_000);
      await shown.close();
      expect(requests).toHaveLength(sent);
      expect(warnings).toEqual(Array(sent).fill('progress not shown on the check run'));
    },
  );
});
