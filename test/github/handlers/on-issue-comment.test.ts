import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  CLOSED_TEXT,
  REFUSAL_TEXT,
  RETRY_NOT_CONFIGURED_TEXT,
  RETRY_NOT_MERGED_TEXT,
} from '../../../src/github/handlers/on-issue-comment.ts';
import { helpText } from '../../../src/github/help-text.ts';
import { diffJobId, PLAN_QUEUE_NAME, planJobId } from '../../../src/queue/plan-job.ts';
import { redisUrl } from '../../queue/redis-test-env.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payload: @octokit/webhooks-examples issue_comment.created on Codertocat/Hello-World#1 (comment
// 492700400 by Codertocat, installation 1). Adjusted: `issue.pull_request` added (no example comments on a
// pull request) and `comment.body` set per test; `sender.type` in the bot test.
const REPO = '/repos/Codertocat/Hello-World';
const PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

function prComment(body: string) {
  const payload = webhookExample('issue_comment', 'created');
  const issue = payload.issue as Record<string, unknown>;
  issue.pull_request = {
    url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
    html_url: 'https://github.com/Codertocat/Hello-World/pull/1',
    diff_url: 'https://github.com/Codertocat/Hello-World/pull/1.diff',
    patch_url: 'https://github.com/Codertocat/Hello-World/pull/1.patch',
    merged_at: null,
  };
  (payload.comment as { body: string }).body = body;
  return payload;
}

/** The GET pulls response: the real pull request object of the pull_request.opened example, renumbered. */
function pullResponse(state: 'open' | 'closed', extra: Record<string, unknown> = {}) {
  const pr = webhookExample('pull_request', 'opened').pull_request as Record<string, unknown>;
  return { ...pr, number: 1, state, ...extra };
}

const MERGE_SHA = 'b'.repeat(40);
const ref = { owner: 'Codertocat', repo: 'Hello-World', pullNumber: 1 };

const env = useHandlerTestEnv().current;

function expectAck(permission: string) {
  env()
    .github.post(`${REPO}/issues/comments/492700400/reactions`, { content: 'eyes' })
    .reply(env().recordAndReply(201, { id: 1, content: 'eyes' }))
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(env().recordAndReply(200, { permission, role_name: permission, user: { login: 'Codertocat' } }));
}

/** Expects one comment on the pull request and returns its body once posted. */
function expectReply(): () => string {
  let posted = '';
  env()
    .github.post(`${REPO}/issues/1/comments`)
    .reply(
      env().recordAndReply(201, { id: 2 }, (body) => {
        posted = (body as { body: string }).body;
      }),
    );
  return () => posted;
}

const operations = () => env().requests.map((r) => `${r.method} ${new URL(String(r.url)).pathname}`);

describe('issue_comment.created webhook', () => {
  it('acknowledges /mergeplane plan from a writer and queues a comment-triggered plan', async () => {
    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('open')));

    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane plan'), 'delivery-c1');

    expect(operations()).toEqual([
      `POST ${REPO}/issues/comments/492700400/reactions`,
      `GET ${REPO}/collaborators/Codertocat/permission`,
      `GET ${REPO}/pulls/1`,
      `POST ${REPO}/issues/1/comments`,
    ]);
    expect(reply()).toBe(
      `Planning commit \`${PR_HEAD.slice(0, 7)}\` again; the plan comment and the \`Mergeplane / plan\` check will update.`,
    );
    const jobId = planJobId({ owner: 'Codertocat', repo: 'Hello-World', pullNumber: 1, headSha: PR_HEAD });
    expect((await env().planQueue.queue.getJob(jobId))?.data).toEqual({
      deliveryId: 'delivery-c1',
      installationId: 1,
      owner: 'Codertocat',
      repo: 'Hello-World',
      pullNumber: 1,
      headSha: PR_HEAD,
      baseRef: 'master',
      headRef: 'changes',
      trigger: 'comment',
      author: 'Codertocat',
    });
    expect(env().logs.at(-1)).toEqual({
      level: 'info',
      message: 'plan queued',
      fields: expect.objectContaining({ deliveryId: 'delivery-c1', jobId, command: 'plan' }),
    });
  });

  it.each(['admin', 'maintain'])('lets %s run commands', async (permission) => {
    expectAck(permission);
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('open')));
    expectReply();
    await env().receive('issue_comment', prComment('/mergeplane plan'));
    expect(await env().jobCount()).toBe(1);
  });

  it.each(['read', 'triage', 'none'])(
    'politely refuses a user with %s access and queues nothing',
    async (p) => {
      expectAck(p);
      const reply = expectReply();
      await env().receive('issue_comment', prComment('/mergeplane plan'));

      expect(reply()).toBe(`@Codertocat ${REFUSAL_TEXT}`);
      expect(await env().jobCount()).toBe(0);
      expect(env().logs.at(-1)?.message).toBe('slash-command refused');
    },
  );

  it('answers an unknown command with the reason and help', async () => {
    expectAck('write');
    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane bogus'));

    expect(reply()).toBe(`unknown command "bogus".\n\n${helpText()}`);
    expect(await env().jobCount()).toBe(0);
  });

  it('answers help', async () => {
    expectAck('write');
    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane help'));
    expect(reply()).toBe(helpText());
  });

  it('records /mergeplane approve for the head commit, re-plans with trigger approve, and confirms', async () => {
    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('open')));
    const reply = expectReply();
    await env().receive(
      'issue_comment',
      prComment('/mergeplane approve drained </details> @team'),
      'delivery-a1',
    );

    const approvals = await env().planQueue.approvals.list(ref);
    expect(approvals).toEqual([
      { user: 'Codertocat', sha: PR_HEAD, at: expect.any(String), reason: 'drained </details> @team' },
    ]);
    const job = await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: PR_HEAD }));
    expect(job?.data).toMatchObject({ trigger: 'approve', headSha: PR_HEAD, author: 'Codertocat' });
    expect(reply()).toContain('for commit `ec26c3e`');
    // The reason is user text: the confirmation does not repeat it.
    expect(reply()).not.toContain('@team');
    expect(env().logs.at(-1)?.message).toBe('approval recorded');
  });

  it('re-runs a finished plan of the same head when an approval arrives', async () => {
    const jobId = planJobId({ ...ref, headSha: PR_HEAD });
    await env().planQueue.enqueue({
      deliveryId: 'd0',
      installationId: 1,
      ...ref,
      headSha: PR_HEAD,
      baseRef: 'master',
      headRef: 'changes',
      trigger: 'pull_request',
    });
    // Finish it the way a worker does: take the job with a lock token and complete it.
    const worker = new Worker(PLAN_QUEUE_NAME, null, { connection: { url: redisUrl }, prefix: env().prefix });
    try {
      const taken = await worker.getNextJob('test-token');
      await taken?.moveToCompleted('planned', 'test-token', false);
    } finally {
      await worker.close();
    }
    expect(await env().planQueue.queue.getJobState(jobId)).toBe('completed');

    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('open')));
    expectReply();
    await env().receive('issue_comment', prComment('/mergeplane approve'));

    expect(await env().planQueue.queue.getJobState(jobId)).toBe('waiting');
    expect((await env().planQueue.queue.getJob(jobId))?.data.trigger).toBe('approve');
  });

  it('queues one diff job per head and app for /mergeplane diff, without a reply', async () => {
    for (const delivery of ['delivery-d1', 'delivery-d2']) {
      expectAck('write');
      env()
        .github.get(`${REPO}/pulls/1`)
        .reply(env().recordAndReply(200, pullResponse('open')));
      await env().receive('issue_comment', prComment('/mergeplane diff argocd/guestbook'), delivery);
    }

    const jobId = diffJobId({ ...ref, headSha: PR_HEAD, app: 'argocd/guestbook' });
    const job = await env().planQueue.queue.getJob(jobId);
    expect(job?.name).toBe('diff');
    expect(job?.data).toMatchObject({
      trigger: 'diff',
      headSha: PR_HEAD,
      diff: { app: 'argocd/guestbook', requestedBy: 'Codertocat' },
    });
    expect(await env().jobCount()).toBe(1);
    expect(env().logs.map((l) => l.message)).toEqual(['diff queued', 'diff already queued']);
  });

  it('answers /mergeplane retry on an open pull request that it is not merged', async () => {
    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('open')));
    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane retry'));
    expect(reply()).toBe(RETRY_NOT_MERGED_TEXT);
    expect(await env().jobCount()).toBe(0);
  });

  it('answers /mergeplane retry on a merged pull request that delivery is not configured', async () => {
    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(
        env().recordAndReply(200, pullResponse('closed', { merged: true, merge_commit_sha: MERGE_SHA })),
      );
    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane retry'));
    expect(reply()).toBe(RETRY_NOT_CONFIGURED_TEXT);
  });

  it('does not plan a closed pull request', async () => {
    expectAck('write');
    env()
      .github.get(`${REPO}/pulls/1`)
      .reply(env().recordAndReply(200, pullResponse('closed')));
    const reply = expectReply();
    await env().receive('issue_comment', prComment('/mergeplane plan'));
    expect(reply()).toBe(CLOSED_TEXT);
    expect(await env().jobCount()).toBe(0);
  });

  it.each([
    { case: 'an ordinary comment', payload: () => prComment('Looks good, /mergeplane plan later') },
    { case: 'a quoted command', payload: () => prComment('> /mergeplane plan') },
    {
      case: 'a command on an issue (not a pull request)',
      payload: () => {
        const p = webhookExample('issue_comment', 'created');
        (p.comment as { body: string }).body = '/mergeplane plan';
        return p;
      },
    },
    {
      case: "a bot's comment",
      payload: () => {
        const p = prComment('/mergeplane help');
        (p.sender as { type: string }).type = 'Bot';
        return p;
      },
    },
  ])('ignores $case without any GitHub request', async ({ payload }) => {
    await env().receive('issue_comment', payload());
    expect(env().requests).toEqual([]);
    expect(await env().jobCount()).toBe(0);
    expect(env().logs).toEqual([]);
  });
});
