import type nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../src/gates/approval.ts';
import { formatCommentMarker } from '../../src/github/sticky-markers.ts';
import type { PlanLogger } from '../../src/plan/plan-logger.ts';
import { CONFIG_CHANGE_NOTE, type RunPlanJobDeps, runPlanJob } from '../../src/plan-job/run-plan-job.ts';
import type { PlanJobData } from '../../src/queue/plan-job.ts';
import { createPullRequestFixture, OWNER, REPO } from '../github/pull-request-fixture.ts';
import { usePlanJobTestEnv } from './plan-job-test-env.ts';

const CHECK_RUN_ID = 4242;
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const CHECK_RUN = `${CHECK_RUNS}/${CHECK_RUN_ID}`;
const comments = (pr: number) => `/repos/${OWNER}/${REPO}/issues/${pr}/comments`;
const BOT = 'mergeplane[bot]';
const OLD_SHA = 'f'.repeat(40);
const TIMEOUT = 60_000;

const env = usePlanJobTestEnv({ serve: createPullRequestFixture, timeoutMs: TIMEOUT });
const { bodies, github } = env;
const heads = () => env.fixture().heads;
const infos: { meta: Record<string, unknown>; message: string }[] = [];
const logger: PlanLogger = {
  debug() {},
  info(meta, message) {
    infos.push({ meta, message });
  },
  warn() {},
};

beforeEach(() => {
  infos.length = 0;
});

/** The plan's first two requests: no unfinished run of the head to take over, so one is created. */
function startsCheckRun(pr: number): nock.Scope {
  return github()
    .get(`/repos/${OWNER}/${REPO}/commits/${heads()[pr]}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post(CHECK_RUNS)
    .reply(201, { id: CHECK_RUN_ID });
}

/** A plan that posts a new sticky comment and completes the check run. */
function publishes(pr: number): nock.Scope {
  return startsCheckRun(pr)
    .get(comments(pr))
    .query({ per_page: 100 })
    .reply(200, [])
    .post(comments(pr))
    .reply(201, { id: 1, html_url: `https://github.com/${OWNER}/${REPO}/pull/${pr}#issuecomment-1` })
    .patch(CHECK_RUN)
    .reply(200, { id: CHECK_RUN_ID });
}

function jobData(pr: number, extra: Partial<PlanJobData> = {}): PlanJobData {
  return {
    deliveryId: `delivery-${pr}`,
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: pr,
    headSha: heads()[pr] ?? '',
    baseRef: env.fixture().bases[pr] ?? '',
    headRef: `feature-${pr}`,
    trigger: 'pull_request',
    author: 'alice',
    ...extra,
  };
}

function deps(approvals: Approval[] = [], extra: Partial<RunPlanJobDeps> = {}): RunPlanJobDeps {
  return env.deps({ logger, approvals: { list: async () => approvals }, ...extra });
}

const approval = (user: string, sha: string, reason?: string): Approval => ({
  user,
  sha,
  at: '2026-05-01T10:00:00Z',
  ...(reason === undefined ? {} : { reason }),
});

function posted(pr: number): string {
  return String(bodies('POST', comments(pr))[0]?.body);
}

function completed(): { conclusion?: string; output: { title: string; summary: string; text?: string } } {
  return bodies('PATCH', CHECK_RUN)[0] as ReturnType<typeof completed>;
}

describe('runPlanJob approvals', () => {
  it(
    'waits for approval of a destructive change and notes that a config change takes effect after merge',
    async () => {
      publishes(1);
      const result = await runPlanJob(jobData(1), deps());

      expect(result.conclusion).toBe('action_required');
      const body = posted(1);
      expect(body).toContain(`> ${CONFIG_CHANGE_NOTE}`);
      expect(body).toContain('⏸️ **destructive**: deletes Namespace team-a');
      expect(body).not.toContain('#### Approvals');
      expect(completed().output.title).toBe('Destructive change awaiting approval');
    },
    TIMEOUT,
  );

  it(
    'turns action_required into success after an eligible approval and shows who approved, escaped',
    async () => {
      publishes(1);
      const reason = 'drained `first` </details> @acme/sre';
      const result = await runPlanJob(jobData(1), deps([approval('bob', heads()[1] ?? '', reason)]));

      expect(result.conclusion).toBe('success');
      const body = posted(1);
      expect(body).toContain('#### Approvals');
      expect(body).toContain(
        `- ✅ approved by @\u200bbob for \`${heads()[1]?.slice(0, 7)}\`: drained &#96;first&#96; &lt;/details&gt; @\u200bacme/sre`,
      );
      expect(body).not.toContain('@acme/sre');
      expect(body).not.toContain('⏸️');
      const check = completed();
      expect(check.conclusion).toBe('success');
      expect(check.output.title).toBe('1 app changed, approved');
      expect(check.output.summary).toContain('#### Approvals');
      // The JSON report in the check run carries the approved gate.
      expect(check.output.text).toContain('"status": "pass"');
      expect(check.output.text).toContain('approved by @bob: drained');
    },
    TIMEOUT,
  );

  it(
    "refuses the author's own approval under the base rules, though the pull request's config allows it",
    async () => {
      // Without `author` in the job (older jobs, check-run re-runs) the worker asks GitHub.
      const pull = { number: 1, user: { login: 'alice' }, head: { sha: heads()[1] } };
      publishes(1).get(`/repos/${OWNER}/${REPO}/pulls/1`).reply(200, pull);
      const { author: _author, ...withoutAuthor } = jobData(1);
      const result = await runPlanJob(withoutAuthor, deps([approval('alice', heads()[1] ?? '')]));

      expect(result.conclusion).toBe('action_required');
      expect(posted(1)).toContain('🚫 not accepted: @\u200balice');
      expect(posted(1)).toContain('cannot approve their own change');
      expect(completed().output.summary).toContain('🚫 not accepted: @\u200balice');
    },
    TIMEOUT,
  );

  it(
    'drops an approval of an earlier commit',
    async () => {
      publishes(1);
      const result = await runPlanJob(jobData(1), deps([approval('bob', OLD_SHA)]));
      expect(result.conclusion).toBe('action_required');
      expect(posted(1)).toContain('it approved an earlier commit');
    },
    TIMEOUT,
  );

  it(
    'keeps an approval of an earlier commit when the base config says approvals survive new commits',
    async () => {
      publishes(2);
      const result = await runPlanJob(jobData(2), deps([approval('bob', OLD_SHA)]));
      expect(result.conclusion).toBe('success');
      expect(posted(2)).toContain('- ✅ approved by @\u200bbob for `fffffff`');
    },
    TIMEOUT,
  );

  it(
    'accepts only active members of the configured teams',
    async () => {
      const membership = (user: string) => `/orgs/${OWNER}/teams/platform/memberships/${user}`;
      publishes(3)
        .get(membership('bob'))
        .reply(200, { state: 'active', role: 'member', url: 'x' })
        .get(membership('carol'))
        .reply(200, { state: 'pending', role: 'member', url: 'x' })
        .get(membership('dave'))
        .reply(404, { message: 'Not Found' });
      const head = heads()[3] ?? '';
      const result = await runPlanJob(
        jobData(3),
        deps([approval('carol', head), approval('dave', head), approval('bob', head)]),
      );

      expect(result.conclusion).toBe('success');
      const body = posted(3);
      expect(body).toContain('✅ approved by @\u200bbob');
      expect(body).toContain('🚫 not accepted: @\u200bcarol');
      expect(body).toContain('🚫 not accepted: @\u200bdave');
      expect(infos.find((i) => i.message === 'approvals applied')?.meta).toMatchObject({
        accepted: ['bob'],
        rejected: ['carol:not-an-approver', 'dave:not-an-approver'],
      });
    },
    TIMEOUT,
  );
});

describe('runPlanJob without affected applications', () => {
  it(
    'posts a one-line comment and concludes success',
    async () => {
      publishes(4);
      const result = await runPlanJob(jobData(4), deps());
      expect(result.conclusion).toBe('success');
      expect(posted(4)).toBe(
        `${formatCommentMarker({ pr: 4, part: 1, total: 1 })}\n\n**Mergeplane**: no affected applications at \`${heads()[4]?.slice(0, 7)}\`; 1 unchanged application not rendered.\n`,
      );
    },
    TIMEOUT,
  );

  it(
    'posts nothing with comment.onNoChanges none, and the check run still succeeds',
    async () => {
      startsCheckRun(5)
        .get(comments(5))
        .query({ per_page: 100 })
        .reply(200, [])
        .patch(CHECK_RUN)
        .reply(200, {});
      const result = await runPlanJob(jobData(5), deps());
      expect(result).toMatchObject({ outcome: 'published', conclusion: 'success', commentUrls: [] });
      expect(completed().output.summary).not.toContain('pull-request comment');
    },
    TIMEOUT,
  );

  it(
    'replaces a stale plan of an earlier head with the one-liner under onNoChanges none',
    async () => {
      const stale = `${formatCommentMarker({ pr: 5, part: 1, total: 1 })}\n\n### Mergeplane plan\n\nold plan`;
      startsCheckRun(5)
        .get(comments(5))
        .query({ per_page: 100 })
        .reply(200, [{ id: 77, body: stale, html_url: 'https://github.com/x#77', user: { login: BOT } }])
        .patch(`/repos/${OWNER}/${REPO}/issues/comments/77`)
        .reply(200, { id: 77, html_url: 'https://github.com/x#77' })
        .patch(CHECK_RUN)
        .reply(200, {});
      const result = await runPlanJob(jobData(5), deps());
      expect(result.conclusion).toBe('success');
      const [edit] = bodies('PATCH', `/repos/${OWNER}/${REPO}/issues/comments/77`);
      expect(String(edit?.body)).toMatch(/\*\*Mergeplane\*\*: no affected applications at `[0-9a-f]{7}`/);
    },
    TIMEOUT,
  );
});
