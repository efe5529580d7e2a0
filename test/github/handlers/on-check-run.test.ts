import { describe, expect, it } from 'vitest';
import { CHECK_RUN_NAME } from '../../../src/github/check-run-output.ts';
import { planJobId } from '../../../src/queue/plan-job.ts';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payload: @octokit/webhooks-examples check_run.rerequested on github/hello-world (repository id 526),
// check run 4 of commit d6fde92…, installation 1, `pull_requests` empty. Adjusted per test: the run's name
// (the example's is "randscape") and, where said, its `pull_requests`.
const HEAD = 'd6fde92930d4715a2b49857d24b940956b26d2d3';
const REPO = '/repos/github/hello-world';
const REPO_ID = 526;

const env = useHandlerTestEnv().current;

function rerequested(pullRequests: unknown[] = [], name = CHECK_RUN_NAME) {
  const payload = webhookExample('check_run', 'rerequested');
  const run = payload.check_run as Record<string, unknown>;
  run.name = name;
  run.pull_requests = pullRequests;
  return payload;
}

/** A `check_run.pull_requests` entry as GitHub sends it (the minimal pull request object). */
function runPull(number: number, baseRepoId = REPO_ID) {
  return {
    url: `https://api.github.com/repos/github/hello-world/pulls/${number}`,
    id: 1000 + number,
    number,
    head: {
      ref: 'feature',
      sha: HEAD,
      repo: { id: REPO_ID, url: 'https://api.github.com/repos/github/hello-world', name: 'hello-world' },
    },
    base: {
      ref: 'master',
      sha: 'a'.repeat(40),
      repo: { id: baseRepoId, url: 'https://api.github.com/repos/github/hello-world', name: 'hello-world' },
    },
  };
}

/** A pull request of `GET /commits/{sha}/pulls`: the real pull_request.opened example's, adjusted. */
function listedPull(number: number, state: 'open' | 'closed', headSha: string, login: string) {
  const pr = webhookExample('pull_request', 'opened').pull_request as Record<string, unknown>;
  const head = pr.head as Record<string, unknown>;
  const base = pr.base as Record<string, unknown>;
  return {
    ...pr,
    number,
    state,
    user: { ...(pr.user as Record<string, unknown>), login },
    head: { ...head, sha: headSha, ref: 'fork-branch' },
    base: { ...base, ref: 'master', repo: { ...(base.repo as Record<string, unknown>), id: REPO_ID } },
  };
}

describe('check_run.rerequested webhook', () => {
  it('re-plans the pull requests the run lists, with trigger rerequest', async () => {
    await env().receive('check_run', rerequested([runPull(7), runPull(8, 999)]), 'delivery-cr1');

    const job = await env().planQueue.queue.getJob(
      planJobId({ owner: 'github', repo: 'hello-world', pullNumber: 7, headSha: HEAD }),
    );
    expect(job?.data).toEqual({
      deliveryId: 'delivery-cr1',
      installationId: 1,
      owner: 'github',
      repo: 'hello-world',
      pullNumber: 7,
      headSha: HEAD,
      baseRef: 'master',
      headRef: 'feature',
      trigger: 'rerequest',
    });
    // #8 belongs to another repository that shares the commit.
    expect(await env().jobCount()).toBe(1);
    expect(env().requests).toEqual([]);
    expect(env().logs.at(-1)).toEqual({
      level: 'info',
      message: 'plan queued',
      fields: expect.objectContaining({ deliveryId: 'delivery-cr1', pullNumber: 7, checkRunId: 4 }),
    });
  });

  it('looks the open pull requests of the commit up when the run lists none (fork pull requests)', async () => {
    env()
      .github.get(`${REPO}/commits/${HEAD}/pulls`)
      .query({ per_page: 100 })
      .reply(
        env().recordAndReply(200, [
          listedPull(11, 'open', HEAD, 'forker'),
          listedPull(12, 'closed', HEAD, 'forker'),
          listedPull(13, 'open', 'e'.repeat(40), 'forker'),
        ]),
      );
    await env().receive('check_run', rerequested([]));

    expect(await env().jobCount()).toBe(1);
    const job = await env().planQueue.queue.getJob(
      planJobId({ owner: 'github', repo: 'hello-world', pullNumber: 11, headSha: HEAD }),
    );
    expect(job?.data).toMatchObject({
      trigger: 'rerequest',
      author: 'forker',
      baseRef: 'master',
      headRef: 'fork-branch',
    });
  });

  it('ignores a commit without an open pull request', async () => {
    env()
      .github.get(`${REPO}/commits/${HEAD}/pulls`)
      .query({ per_page: 100 })
      .reply(env().recordAndReply(200, []));
    await env().receive('check_run', rerequested([]));
    expect(await env().jobCount()).toBe(0);
    expect(env().logs.at(-1)?.message).toBe('check run re-run without an open pull request, ignored');
  });

  it("ignores another check run's re-run without any request", async () => {
    await env().receive('check_run', rerequested([runPull(7)], 'randscape'));
    expect(env().requests).toEqual([]);
    expect(await env().jobCount()).toBe(0);
    expect(env().logs).toEqual([]);
  });
});
