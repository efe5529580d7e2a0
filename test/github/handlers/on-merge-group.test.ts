import { describe, expect, it } from 'vitest';
import { mergeGroupJobId } from '../../../src/queue/plan-job.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payloads from @octokit/webhooks-examples: octo-org/octo-repo, a group on main whose own entry is PR #104
// (head ref gh-readonly-queue/main/pr-104-929f820…), head 2ffea6d…, base 380387f…, installation id from the example.
const HEAD = '2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d';
const BASE = '380387fbc80638b734a49e1be1c4dfec1c01b33c';
const HEAD_REF = 'refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64';
const repository = { owner: 'octo-org', repo: 'octo-repo' };

const env = useHandlerTestEnv({
  // merge_group handlers never call GitHub.
  afterEachTest: (finished) => expect(finished.requests).toEqual([]),
}).current;

describe('merge_group webhook', () => {
  it('queues one plan of the group head against its base commit, tracked with the entry’s pull request', async () => {
    const payload = webhookExample('merge_group', 'checks_requested');
    await env().receive('merge_group', payload, 'delivery-mg');
    await env().receive('merge_group', payload, 'delivery-mg');

    const job = await env().planQueue.queue.getJob(mergeGroupJobId({ ...repository, headSha: HEAD }));
    expect(job?.name).toBe('merge-group');
    expect(job?.data).toEqual({
      deliveryId: 'delivery-mg',
      installationId: (payload.installation as { id: number }).id,
      ...repository,
      pullNumber: 104,
      headSha: HEAD,
      baseRef: 'main',
      headRef: HEAD_REF,
      trigger: 'merge_group',
      mergeGroup: { baseSha: BASE, headRef: HEAD_REF },
    });
    expect(await env().jobCount()).toBe(1);
    expect(env().logs.map((l) => [l.message, l.fields.duplicate])).toEqual([
      ['merge group plan queued', false],
      ['merge group plan already queued', true],
    ]);
  });

  it('drops the waiting plan of a destroyed group', async () => {
    await env().receive('merge_group', webhookExample('merge_group', 'checks_requested'));
    // Adjusted: the same group destroyed (the examples carry only checks_requested); `reason` as GitHub sends it.
    const destroyed = {
      ...webhookExample('merge_group', 'checks_requested'),
      action: 'destroyed',
      reason: 'dequeued',
    };
    await env().receive('merge_group', destroyed);

    expect(await env().jobCount()).toBe(0);
    expect(env().logs.at(-1)).toMatchObject({
      message: 'merge group destroyed',
      fields: { removed: true, reason: 'dequeued', headSha: HEAD },
    });
  });

  it('ignores a group whose head ref is not a merge queue branch', async () => {
    const payload = webhookExample('merge_group', 'checks_requested');
    (payload.merge_group as { head_ref: string }).head_ref = 'refs/heads/feature';
    await env().receive('merge_group', payload);

    expect(await env().jobCount()).toBe(0);
    expect(env().logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringContaining('ignored') });
  });
});
