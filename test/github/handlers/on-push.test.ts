import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createOnMergedPullRequest } from '../../../src/github/handlers/on-merged-pull-request.ts';
import { createOnPush } from '../../../src/github/handlers/on-push.ts';
import { type DeliverJobData, deliverJobId } from '../../../src/queue/deliver-job.ts';
import { createDeliverQueue } from '../../../src/queue/deliver-queue.ts';
import { createRedisScope, redisUrl } from '../../queue/redis-test-env.ts';
import {
  type LogEntry,
  loadTestProbot,
  recordingLogger,
  useOfflineTestEnv,
  webhookExamples,
} from './handler-test-env.ts';

type Json = Record<string, unknown>;

/** The real push examples (Codertocat/Hello-World, default branch master) that carry an installation. */
function pushExample(ref: string, deleted: boolean): Json {
  const found = webhookExamples('push').find((e) => e.ref === ref && e.deleted === deleted && e.installation);
  if (!found) throw new Error(`no push example for ${ref} deleted=${deleted}`);
  return found;
}

function mergedPullRequestExample(): Json {
  const payload = webhookExamples('pull_request').find((e) => e.action === 'closed');
  if (!payload) throw new Error('no pull_request.closed example');
  // Adjusted: the examples only hold an unmerged close.
  (payload.pull_request as { merged: boolean; merge_commit_sha: string }).merged = true;
  return payload;
}

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
// Example #4: the push that created master (before = zeros, after 6113728…).
const AFTER = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const BEFORE = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
// The pull_request.closed example's merge_commit_sha.
const MERGE_SHA = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85';

/** A push to master with a previous tip: the created-branch example with `before` set and `created` cleared. */
function pushToDefaultBranch(): Json {
  const payload = pushExample('refs/heads/master', false);
  payload.before = BEFORE;
  payload.created = false;
  return payload;
}

/** The merge handlers against a real deliver queue (random Redis prefix). */
function createMergeTestEnv() {
  const scope = createRedisScope();
  const deliverQueue = scope.track(createDeliverQueue({ connection: redisUrl, prefix: scope.prefix }));
  const logs: LogEntry[] = [];
  const log = recordingLogger(logs);
  const { receive } = loadTestProbot((app) => {
    app.on('push', createOnPush({ deliverQueue, log }));
    app.on('pull_request.closed', createOnMergedPullRequest({ deliverQueue, log }));
  });
  return { deliverQueue, logs, receive, cleanup: () => scope.cleanup() };
}

describe('merge webhooks', () => {
  const env = useOfflineTestEnv({
    create: createMergeTestEnv,
    // Nothing here talks to GitHub: any request would have failed on the disabled network.
    verify: () => expect(nock.pendingMocks()).toEqual([]),
  });
  const receive = (name: string, payload: Json, id: string) => env.current().receive(name, payload, id);
  const logs = () => env.current().logs;

  async function jobs(): Promise<DeliverJobData[]> {
    const all = await env
      .current()
      .deliverQueue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    return all.map((job) => job.data as DeliverJobData);
  }

  it('queues one delivery for a push to the default branch, with before and after', async () => {
    await receive('push', pushToDefaultBranch(), 'delivery-push');

    const job = await env
      .current()
      .deliverQueue.queue.getJob(deliverJobId({ owner: OWNER, repo: REPO, sha: AFTER }));
    expect(job?.data).toEqual({
      deliveryId: 'delivery-push',
      installationId: 1,
      owner: OWNER,
      repo: REPO,
      before: BEFORE,
      after: AFTER,
      baseBranch: 'master',
      trigger: 'push',
      seq: 1,
      attempt: 1,
    });
    expect(logs().map((l) => [l.message, l.fields.duplicate])).toEqual([['delivery queued', false]]);
  });

  it('does nothing twice when the same push is redelivered', async () => {
    await receive('push', pushToDefaultBranch(), 'delivery-push');
    await receive('push', pushToDefaultBranch(), 'delivery-push');

    expect(await jobs()).toHaveLength(1);
    expect(logs().map((l) => l.message)).toEqual(['delivery queued', 'delivery already queued']);
  });

  it.each([
    { case: 'a tag push', payload: () => pushExample('refs/tags/simple-tag', true) },
    { case: 'the creation of the default branch', payload: () => pushExample('refs/heads/master', false) },
    {
      // Adjusted: the tag-deletion example's ref moved to master.
      case: 'the deletion of the default branch',
      payload: () => ({ ...pushExample('refs/tags/simple-tag', true), ref: 'refs/heads/master' }),
    },
    {
      case: 'a push to another branch',
      payload: () => ({ ...pushToDefaultBranch(), ref: 'refs/heads/feature' }),
    },
  ])('ignores $case', async ({ payload }) => {
    await receive('push', payload(), 'delivery-ignored');
    expect(await jobs()).toEqual([]);
  });

  it('queues the merge commit of a merged pull request, and the push of the same merge is a duplicate', async () => {
    await receive('pull_request', mergedPullRequestExample(), 'delivery-merged');
    const push = pushToDefaultBranch();
    push.after = MERGE_SHA;
    await receive('push', push, 'delivery-push');

    const all = await jobs();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      after: MERGE_SHA,
      pullNumber: 2,
      trigger: 'pull_request',
      // The push told the exact previous tip while the job still waited.
      before: BEFORE,
    });
    expect(logs().map((l) => [l.message, l.fields.jobId])).toEqual([
      ['delivery queued', deliverJobId({ owner: OWNER, repo: REPO, sha: MERGE_SHA })],
      ['delivery already queued', deliverJobId({ owner: OWNER, repo: REPO, sha: MERGE_SHA })],
    ]);
  });

  it('ignores a pull request closed without merge', async () => {
    const payload = mergedPullRequestExample();
    (payload.pull_request as { merged: boolean }).merged = false;
    await receive('pull_request', payload, 'delivery-closed');
    expect(await jobs()).toEqual([]);
  });
});
