import { describe, expect, it } from 'vitest';
import { planJobId } from '../../../src/queue/plan-job.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payloads from @octokit/webhooks-examples: PR Codertocat/Hello-World#2, head ec26c3e…, base master,
// head ref `changes`, installation 1. Adjusted fields are named in each test.
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const NEW_HEAD = '1111111111111111111111111111111111111111';
const ref = { owner: 'Codertocat', repo: 'Hello-World', pullNumber: 2 };

const env = useHandlerTestEnv({
  // pull_request handlers never call GitHub.
  afterEachTest: (finished) => expect(finished.requests).toEqual([]),
}).current;

describe('pull_request webhook', () => {
  it('queues one plan for an opened pull request with the payload data', async () => {
    await env().receive('pull_request', webhookExample('pull_request', 'opened'), 'delivery-1');

    const jobId = planJobId({ ...ref, headSha: HEAD });
    const job = await env().planQueue.queue.getJob(jobId);
    expect(job?.data).toEqual({
      deliveryId: 'delivery-1',
      installationId: 1,
      ...ref,
      headSha: HEAD,
      baseRef: 'master',
      headRef: 'changes',
      trigger: 'pull_request',
      author: 'Codertocat',
    });
    expect(await env().jobCount()).toBe(1);
    expect(env().logs).toEqual([
      {
        level: 'info',
        message: 'plan queued',
        fields: expect.objectContaining({
          deliveryId: 'delivery-1',
          repo: 'Codertocat/Hello-World',
          pullNumber: 2,
          jobId,
          duplicate: false,
        }),
      },
    ]);
  });

  it('keeps one job when the same delivery arrives twice', async () => {
    const payload = webhookExample('pull_request', 'opened');
    await env().receive('pull_request', payload, 'delivery-1');
    await env().receive('pull_request', payload, 'delivery-1');

    expect(await env().jobCount()).toBe(1);
    expect(env().logs.map((l) => [l.message, l.fields.duplicate])).toEqual([
      ['plan queued', false],
      ['plan already queued', true],
    ]);
  });

  it('queues the new head when synchronize brings one; the old head’s job is left to find out from GitHub', async () => {
    await env().receive('pull_request', webhookExample('pull_request', 'opened'));
    // Adjusted: a new head SHA (pull_request.head.sha and `after`), as a push to the branch produces.
    const sync = webhookExample('pull_request', 'synchronize');
    (sync.pull_request as { head: { sha: string } }).head.sha = NEW_HEAD;
    sync.before = HEAD;
    sync.after = NEW_HEAD;
    await env().receive('pull_request', sync, 'delivery-sync');

    // Arrival order does not say which head is current (a late `opened` could come after this): both jobs
    // stay, and each asks GitHub for the pull request's head before it plans.
    expect(await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: HEAD }))).toBeDefined();
    const job = await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: NEW_HEAD }));
    expect(job?.data).toMatchObject({
      headSha: NEW_HEAD,
      deliveryId: 'delivery-sync',
      trigger: 'pull_request',
    });
    expect(await env().jobCount()).toBe(2);
  });

  it("plans a fork's pull request with the base repository's coordinates and nothing of the fork", async () => {
    const same = webhookExample('pull_request', 'opened');
    await env().receive('pull_request', same, 'delivery-same');
    const fromSameRepo = (await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: HEAD })))?.data;
    await env().cleanupJobs();

    // Adjusted: the head lives in a fork (another owner's repository with fork: true), as GitHub sends it.
    const fork = webhookExample('pull_request', 'opened');
    const head = (fork.pull_request as { head: Record<string, unknown> }).head;
    const forkRepo = structuredClone(head.repo) as Record<string, unknown>;
    Object.assign(forkRepo, {
      id: 999_001,
      name: 'Hello-World-fork',
      full_name: 'mallory/Hello-World-fork',
      fork: true,
      owner: { ...(forkRepo.owner as Record<string, unknown>), login: 'mallory', id: 999_002 },
      clone_url: 'https://github.com/mallory/Hello-World-fork.git',
    });
    Object.assign(head, { repo: forkRepo, label: 'mallory:changes', user: forkRepo.owner });
    (fork.pull_request as Record<string, unknown>).user = forkRepo.owner;
    await env().receive('pull_request', fork, 'delivery-same');

    // The worker fetches refs/pull/2/head of Codertocat/Hello-World with the installation's read token:
    // only the author (for the self-approval rule) differs from a same-repository pull request.
    const fromFork = (await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: HEAD })))?.data;
    expect(fromFork).toEqual({ ...fromSameRepo, author: 'mallory' });
    expect(fromFork).toMatchObject({
      owner: 'Codertocat',
      repo: 'Hello-World',
      pullNumber: 2,
      installationId: 1,
    });
  });

  it.each([
    { case: 'closed without merge', merged: false },
    // Adjusted: pull_request.merged (the examples only have an unmerged close).
    { case: 'merged', merged: true },
  ])('drops the pending plan when the pull request is $case', async ({ merged }) => {
    await env().receive('pull_request', webhookExample('pull_request', 'opened'));
    const closed = webhookExample('pull_request', 'closed');
    (closed.pull_request as { merged: boolean }).merged = merged;
    await env().receive('pull_request', closed, 'delivery-close');

    expect(await env().jobCount()).toBe(0);
    expect(env().logs.at(-1)).toEqual({
      level: 'info',
      message: 'pull request closed, pending plans dropped',
      fields: expect.objectContaining({ deliveryId: 'delivery-close', removed: 1, pullNumber: 2 }),
    });
  });

  it.each([
    { case: 'reopened', payload: () => webhookExample('pull_request', 'reopened') },
    { case: 'ready_for_review', payload: () => webhookExample('pull_request', 'ready_for_review') },
    {
      // Adjusted: pull_request.draft = true.
      case: 'a draft opened',
      payload: () => {
        const p = webhookExample('pull_request', 'opened');
        (p.pull_request as { draft: boolean }).draft = true;
        return p;
      },
    },
    {
      // Adjusted: the examples have no `edited`; an opened one with action and changes.base set.
      case: 'edited with a new base',
      payload: () => ({
        ...webhookExample('pull_request', 'opened'),
        action: 'edited',
        changes: { base: { ref: { from: 'develop' }, sha: { from: NEW_HEAD } } },
      }),
    },
  ])('plans when $case', async ({ payload }) => {
    await env().receive('pull_request', payload());
    expect((await env().planQueue.queue.getJob(planJobId({ ...ref, headSha: HEAD })))?.data.trigger).toBe(
      'pull_request',
    );
  });

  it.each([
    { case: 'labeled', payload: () => webhookExample('pull_request', 'labeled') },
    { case: 'converted_to_draft', payload: () => webhookExample('pull_request', 'converted_to_draft') },
    {
      // Adjusted as above, but only the title changed.
      case: 'edited title',
      payload: () => ({
        ...webhookExample('pull_request', 'opened'),
        action: 'edited',
        changes: { title: { from: 'Old title' } },
      }),
    },
  ])('ignores $case', async ({ payload }) => {
    await env().receive('pull_request', payload());
    expect(await env().jobCount()).toBe(0);
    expect(env().logs).toEqual([]);
  });
});
