import { beforeEach, describe, expect, it } from 'vitest';
import { RETRY_NOTHING_FAILED_TEXT } from '../../../src/github/handlers/on-issue-comment.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payload: @octokit/webhooks-examples issue_comment.created on Codertocat/Hello-World#1, adjusted with
// `issue.pull_request` and the comment body; the GET pulls answer is the pull_request.opened example's pull
// request, merged.
const REPO = '/repos/Codertocat/Hello-World';
const MERGE_SHA = 'c'.repeat(40);

const calls: unknown[] = [];
let retried = 0;
const env = useHandlerTestEnv({
  deliveryRetrier: {
    async retryFailed(input) {
      calls.push(input);
      return { retried };
    },
  },
}).current;

beforeEach(() => {
  calls.length = 0;
});

function retryComment() {
  const payload = webhookExample('issue_comment', 'created');
  (payload.issue as Record<string, unknown>).pull_request = {
    url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
    merged_at: '2019-05-15T15:20:40Z',
  };
  (payload.comment as { body: string }).body = '/mergeplane retry';
  return payload;
}

function expectMergedPull(merged: boolean) {
  const pr = webhookExample('pull_request', 'opened').pull_request as Record<string, unknown>;
  let posted = '';
  env()
    .github.post(`${REPO}/issues/comments/492700400/reactions`, { content: 'eyes' })
    .reply(env().recordAndReply(201, { id: 1, content: 'eyes' }))
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(
      env().recordAndReply(200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } }),
    )
    .get(`${REPO}/pulls/1`)
    .reply(
      env().recordAndReply(200, {
        ...pr,
        number: 1,
        state: 'closed',
        merged,
        merge_commit_sha: merged ? MERGE_SHA : null,
      }),
    )
    .post(`${REPO}/issues/1/comments`)
    .reply(
      env().recordAndReply(201, { id: 2 }, (body) => {
        posted = (body as { body: string }).body;
      }),
    );
  return () => posted;
}

describe('/mergeplane retry with post-merge delivery', () => {
  it('re-enqueues the failed jobs of the merge commit and says how many', async () => {
    retried = 2;
    const reply = expectMergedPull(true);
    await env().receive('issue_comment', retryComment(), 'delivery-r1');

    expect(calls).toEqual([{ owner: 'Codertocat', repo: 'Hello-World', pullNumber: 1, mergeSha: MERGE_SHA }]);
    expect(reply()).toBe('Re-enqueued 2 failed post-merge jobs of merge commit `ccccccc`.');
    expect(env().logs.at(-1)).toEqual({
      level: 'info',
      message: 'delivery retried',
      fields: expect.objectContaining({ deliveryId: 'delivery-r1', mergeSha: MERGE_SHA, retried: 2 }),
    });
  });

  it('says nothing failed when no job needed a retry', async () => {
    retried = 0;
    const reply = expectMergedPull(true);
    await env().receive('issue_comment', retryComment());
    expect(calls).toHaveLength(1);
    expect(reply()).toBe(RETRY_NOTHING_FAILED_TEXT);
  });

  it('does not call the retrier for a pull request that was closed without merge', async () => {
    const reply = expectMergedPull(false);
    await env().receive('issue_comment', retryComment());
    expect(calls).toEqual([]);
    expect(reply()).toContain('this pull request is not merged');
    expect(await env().jobCount()).toBe(0);
  });
});
