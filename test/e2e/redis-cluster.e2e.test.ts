import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STATUS_CONTEXT } from '../../src/model/delivery-plan.ts';
import { assertRedisReachable } from '../queue/redis-test-env.ts';
import { deliver, OWNER, pullRequestPayload, REPO } from '../server/server-test-env.ts';
import { type RedisClusterProcess, startRedisCluster } from '../support/redis-cluster.ts';
import { type DeliveryE2E, startDeliveryE2E } from './delivery-e2e-env.ts';
import { createE2ERepo, type E2ERepo } from './e2e-repo.ts';

const PREFIX = '{mergeplane-e2e}';

// BullMQ's scripts touch several keys of a queue at once; a cluster refuses that across slots (CROSSSLOT). The
// queue prefix is a hash tag, so every key of every queue (and of Mergeplane's own stores) lives in one slot.
describe('a plan and a delivery on a 3-node Redis Cluster, end to end', () => {
  let cluster: RedisClusterProcess;
  let repo: E2ERepo;
  let e2e: DeliveryE2E;

  beforeAll(async () => {
    await assertRedisReachable();
    cluster = await startRedisCluster(3);
    repo = createE2ERepo();
    e2e = await startDeliveryE2E({
      repo,
      main: repo.base,
      env: { REDIS_CLUSTER_NODES: cluster.nodes.join(','), MERGEPLANE_QUEUE_PREFIX: PREFIX },
    });
  });

  afterAll(async () => {
    await e2e?.close();
    await cluster?.stop();
    repo?.cleanup();
  });

  it('plans a pull request: the check run completes', async () => {
    e2e.pulls[`${OWNER}/${REPO}#7`] = {
      number: 7,
      state: 'open',
      headSha: repo.head,
      headRef: 'change-7',
      baseSha: repo.base,
      baseRef: 'main',
    };
    const answer = await deliver(
      e2e.server.url ?? '',
      'pull_request',
      pullRequestPayload('opened', { number: 7, headSha: repo.head, baseSha: repo.base }),
    );
    expect(answer.status).toBe(202);
    await e2e.waitFor(
      () => e2e.github.checkRuns.some((run) => run.head_sha === repo.head && run.status === 'completed'),
      'a completed check run on the head',
      30_000,
    );
  });

  it('delivers the merge: every status final, the deploy status green', async () => {
    await e2e.merge({ before: repo.base, after: repo.head, pullNumber: 7 });
    await e2e.waitFinal(repo.head, [DEPLOY_STATUS_CONTEXT], 30_000);
    expect(e2e.states(repo.head, DEPLOY_STATUS_CONTEXT).at(-1)).toBe('success');
  });

  it('kept every key Mergeplane wrote under the hash tag (one slot, as BullMQ and the stores need)', async () => {
    const client = new Cluster(
      cluster.nodes.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })),
    );
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const keys: string[] = [];
      for (const node of client.nodes('master')) keys.push(...(await node.keys('*')));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith(`${PREFIX}:`))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
