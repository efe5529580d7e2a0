import { describe, expect, it } from 'vitest';
import {
  CLOSED_TEXT,
  NOT_AVAILABLE_TEXT,
  REFUSAL_TEXT,
} from '../../../src/github/handlers/on-issue-comment.ts';
import { helpText } from '../../../src/github/help-text.ts';
import { planJobId } from '../../../src/queue/plan-job.ts';
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
function pullResponse(state: 'open' | 'closed') {
  const pr = webhookExample('pull_request', 'opened').pull_request as Record<string, unknown>;
  return { ...pr, number: 1, state };
}

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

    await env().receive('issue_comment', prComment('/mergeplane plan'), 'delivery-c1');

    expect(operations()).toEqual([
      `POST ${REPO}/issues/comments/492700400/reactions`,
      `GET ${REPO}/collaborators/Codertocat/permission`,
      `GET ${REPO}/pulls/1`,
    ]);
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

  it.each(['diff my-app', 'approve looks fine', 'retry'])(
    'says /mergeplane %s is not available yet',
    async (c) => {
      expectAck('write');
      const reply = expectReply();
      await env().receive('issue_comment', prComment(`/mergeplane ${c}`));
      expect(reply()).toBe(`\`/mergeplane ${c.split(' ')[0]}\` ${NOT_AVAILABLE_TEXT}`);
      expect(await env().jobCount()).toBe(0);
    },
  );

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
