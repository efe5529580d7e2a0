import { describe, expect, it } from 'vitest';
import { DRIFT_ELSEWHERE_TEXT } from '../../../src/github/handlers/on-issue-comment.ts';
import type { DriftJobData } from '../../../src/queue/drift-queue.ts';
import { DRIFT_ISSUE_MARKER } from '../../../src/report/render-drift-issue.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payload: @octokit/webhooks-examples issue_comment.created on the issue Codertocat/Hello-World#1.
// Adjusted: the issue is the App's drift report (a Bot author, the marker opening its body) where a test says so.
const REPO = '/repos/Codertocat/Hello-World';
const asked: DriftJobData[] = [];
const env = useHandlerTestEnv({ driftChecker: { checkNow: async (data) => void asked.push(data) } }).current;

function issueComment(body: string, o: { report: boolean }) {
  const payload = webhookExample('issue_comment', 'created');
  const issue = payload.issue as { body: string; user: { type: string; login: string } };
  if (o.report) {
    issue.body = `${DRIFT_ISSUE_MARKER}\n\nEverything is in sync.`;
    issue.user = { ...issue.user, login: 'mergeplane[bot]', type: 'Bot' };
  }
  (payload.comment as { body: string }).body = body;
  return payload;
}

/** A writer's command: 👀, the permission check, then one reply on issue 1, returned once posted. */
function expectAckAndReply(): () => string {
  let reply = '';
  env()
    .github.post(`${REPO}/issues/comments/492700400/reactions`, { content: 'eyes' })
    .reply(env().recordAndReply(201, { id: 1, content: 'eyes' }))
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(
      env().recordAndReply(200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } }),
    )
    .post(`${REPO}/issues/1/comments`)
    .reply(
      env().recordAndReply(201, { id: 2 }, (body) => {
        reply = (body as { body: string }).body;
      }),
    );
  return () => reply;
}

describe('/mergeplane drift', () => {
  it('queues a drift check from a writer in the drift report issue, and says so', async () => {
    asked.length = 0;
    const reply = expectAckAndReply();
    await env().receive('issue_comment', issueComment('/mergeplane drift', { report: true }), 'delivery-d1');
    expect(asked).toEqual([
      {
        installationId: 1,
        owner: 'Codertocat',
        repo: 'Hello-World',
        trigger: 'command',
        deliveryId: 'delivery-d1',
      },
    ]);
    expect(reply()).toContain('Checking the cluster');
  });

  it('ignores it in any other issue, without a GitHub request', async () => {
    asked.length = 0;
    await env().receive('issue_comment', issueComment('/mergeplane drift', { report: false }));
    expect(env().requests).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('points a pull request comment to the drift issue', async () => {
    const payload = issueComment('/mergeplane drift', { report: false });
    (payload.issue as Record<string, unknown>).pull_request = {
      url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
    };
    const reply = expectAckAndReply();
    await env().receive('issue_comment', payload);
    expect(reply()).toBe(DRIFT_ELSEWHERE_TEXT);
  });
});
