import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { gatesFailed } from '../../src/gates/evaluate-gates.ts';
import { CHECK_RUN_NAME } from '../../src/github/check-run-output.ts';
import { loadServerEnv } from '../../src/server/server-env.ts';
import { type RunningMergeplane, startServer } from '../../src/server/start-server.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from '../queue/redis-test-env.ts';
import { type FakeGitHub, type FakePull, startFakeGitHub } from '../support/fake-github-server.ts';
import { seededRandom as rng } from '../support/seeded-random.ts';
import {
  APP_ID,
  captureLogger,
  commentPayload,
  createDemoGitHubRepo,
  type DemoGitHubRepo,
  deliver,
  demoPull,
  demoServerVariables,
  generateAppKey,
  OWNER,
  pullRequestPayload,
  REPO,
} from './server-test-env.ts';

const WRITER = 'octo-writer';
/** Plan jobs' decisive conclusions; `cancelled` (superseded) and `neutral` must never end the current head. */
const DECISIVE = new Set(['success', 'failure', 'action_required']);

let repo: DemoGitHubRepo;
let privateKey: string;
let fake: FakeGitHub;
let server: RunningMergeplane;
let url: string;
let expected: string;
const pulls: Record<string, FakePull> = {};
const scope = createRedisScope();
const bare = () => join(repo.gitRoot, OWNER, `${REPO}.git`);
const git = (...args: string[]) =>
  execFileSync('git', ['--git-dir', bare(), ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  }).trim();

/** A new commit with the demo head's tree: another head SHA whose plan is the demo's. */
function newHead(label: string): string {
  return git('commit-tree', `${repo.demo.head}^{tree}`, '-p', repo.demo.head, '-m', label);
}

/** Moves pull request `number` to `headSha` on the stand-in, as a push to its branch does. */
function push(number: number, headSha: string): void {
  git('update-ref', `refs/pull/${number}/head`, headSha);
  Object.assign(pulls, demoPull(repo, number, headSha));
}

function event(number: number, action: 'opened' | 'synchronize', headSha: string) {
  return pullRequestPayload(action, { number, headSha, baseSha: repo.demo.base });
}

async function idle(): Promise<void> {
  // Stable twice in a row: a stale job may queue the current head's plan just as it finishes.
  let quiet = 0;
  for (let i = 0; i < 600 && quiet < 2; i++) {
    const counts = await server.planQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    quiet = Object.values(counts).every((n) => n === 0) ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 150));
  }
}

const runsOf = (sha: string) => fake.checkRuns.filter((r) => r.head_sha === sha && r.name === CHECK_RUN_NAME);
const commentOf = (number: number) =>
  fake.comments.filter((c) => c.issue_number === number && c.body.includes('Mergeplane plan')).at(-1)?.body ??
  '';

/** What must hold whatever the order: the current head has a decisive, completed run; the comment shows it. */
function expectDecided(number: number, head: string, older: string[], o: { exactlyOne: boolean }): void {
  const runs = runsOf(head);
  expect(runs.length, `runs of the current head ${head.slice(0, 7)}`).toBeGreaterThan(0);
  if (o.exactlyOne) expect(runs).toHaveLength(1);
  for (const run of runs) {
    expect(run.status).toBe('completed');
    expect(DECISIVE.has(String(run.conclusion)), `conclusion ${run.conclusion}`).toBe(true);
  }
  expect(runs.at(-1)?.conclusion).toBe(expected);
  const comment = commentOf(number);
  expect(comment).toContain(`\`${head.slice(0, 7)}\``);
  for (const sha of older) expect(comment).not.toContain(`→ \`${sha.slice(0, 7)}\``);
  // No run anywhere is left in progress.
  for (const sha of [head, ...older]) for (const run of runsOf(sha)) expect(run.status).toBe('completed');
}

beforeAll(async () => {
  await assertRedisReachable();
  repo = createDemoGitHubRepo();
  privateKey = generateAppKey();
  fake = await startFakeGitHub({
    appId: APP_ID,
    privateKey,
    gitRoot: repo.gitRoot,
    permissions: { [WRITER]: 'write' },
    pulls,
  });
  server = await startServer({
    env: loadServerEnv({
      ...demoServerVariables({ fake, repo, privateKey, redisUrl }),
      HOST: '127.0.0.1',
      PORT: '0',
      MERGEPLANE_QUEUE_PREFIX: scope.prefix,
    }),
    logger: captureLogger().logger,
    octokit: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
  });
  url = server.url!;
  const report = await planChange({
    repoDir: repo.demo.dir,
    base: repo.demo.base,
    baseBranch: 'main',
    head: repo.demo.head,
    cacheDir: join(repo.dir, 'render-cache'),
  });
  expected = gatesFailed(report.gates)
    ? 'failure'
    : report.gates.some((g) => g.status === 'needs-approval')
      ? 'action_required'
      : 'success';
});

afterAll(async () => {
  await server?.close();
  await scope.cleanup();
  await fake?.close();
  repo?.cleanup();
});

describe('the gate judges the current head whatever order events arrive in', () => {
  it('synchronize of the new head, then a late opened of the old head', async () => {
    const old = newHead('pr 21 first');
    const current = newHead('pr 21 second');
    push(21, current);
    expect((await deliver(url, 'pull_request', event(21, 'synchronize', current))).status).toBe(202);
    expect((await deliver(url, 'pull_request', event(21, 'opened', old))).status).toBe(202);
    await idle();
    expectDecided(21, current, [old], { exactlyOne: true });
    // The old head's job saw it was stale before doing anything: no run, no comment of it.
    expect(runsOf(old)).toEqual([]);
  });

  it('opened of the old head, then synchronize of the new one (the order GitHub means)', async () => {
    const old = newHead('pr 22 first');
    const current = newHead('pr 22 second');
    push(22, old);
    await deliver(url, 'pull_request', event(22, 'opened', old));
    push(22, current);
    await deliver(url, 'pull_request', event(22, 'synchronize', current));
    await idle();
    expectDecided(22, current, [old], { exactlyOne: true });
    for (const run of runsOf(old))
      expect(['success', 'failure', 'action_required', 'cancelled']).toContain(run.conclusion);
  });

  it('a late redelivery of the old opened after the new head was planned changes nothing', async () => {
    const old = newHead('pr 23 first');
    const current = newHead('pr 23 second');
    push(23, current);
    await deliver(url, 'pull_request', event(23, 'synchronize', current), { id: 'sync-23' });
    await idle();
    const before = fake.checkRuns.length;
    const comment = commentOf(23);
    await deliver(url, 'pull_request', event(23, 'opened', old), { id: 'late-opened-23' });
    await deliver(url, 'pull_request', event(23, 'synchronize', current), { id: 'sync-23' });
    await idle();
    expect(fake.checkRuns.length).toBe(before);
    expect(commentOf(23)).toBe(comment);
    expectDecided(23, current, [old], { exactlyOne: true });
  });

  it('plans the current head when only an older head’s event arrived', async () => {
    const old = newHead('pr 24 first');
    const current = newHead('pr 24 second');
    // The synchronize of `current` is lost; only the opened of `old` arrives, after the push.
    push(24, current);
    await deliver(url, 'pull_request', event(24, 'opened', old));
    await idle();
    expectDecided(24, current, [old], { exactlyOne: true });
  });

  it.each([
    ['the pull request head ref is gone (deleted fork branch)', REPO],
    ['the repository cannot be cloned (git 404)', 'no-such-repo'],
  ])('fails at once with one check run when %s', async (_what, repoName) => {
    const number = 31 + (repoName === REPO ? 0 : 1);
    const head = newHead(`pr ${number}`);
    // GitHub knows the pull request, but git has no refs/pull/N/head (or no repository) for it.
    pulls[`${OWNER}/${repoName}#${number}`] = {
      number,
      state: 'open',
      headSha: head,
      headRef: 'gone',
      baseSha: repo.demo.base,
      baseRef: 'main',
    };
    const payload = event(number, 'opened', head);
    Object.assign(payload.repository as Record<string, unknown>, {
      name: repoName,
      full_name: `${OWNER}/${repoName}`,
    });
    expect((await deliver(url, 'pull_request', payload)).status).toBe(202);
    await idle();
    const runs = runsOf(head);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(runs[0]?.output?.summary).toMatch(/PermanentPlanError/);
    const failed = await server.planQueue.queue.getFailed();
    const job = failed.find((j) => j.data.headSha === head);
    // One attempt: BullMQ was told not to retry (UnrecoverableError).
    expect(job?.attemptsMade).toBe(1);
  });

  const SEEDS = Array.from({ length: 12 }, (_, i) => 11 + i);
  it.each(SEEDS)(
    'random interleaving %i of opened / synchronize / redeliveries / /mergeplane plan over three heads',
    async (seed) => {
      const random = rng(seed);
      const number = 100 + seed;
      const heads = [1, 2, 3].map((i) => newHead(`pr ${number} head ${i}`));
      push(number, heads[0]!);
      let pushed = 0;
      // What GitHub would send, each deliverable once its head was pushed; shuffled, some twice.
      const pending: { kind: 'event' | 'command'; head: number; id: string }[] = [
        { kind: 'event', head: 0, id: `${number}-opened` },
        { kind: 'event', head: 1, id: `${number}-sync-1` },
        { kind: 'event', head: 2, id: `${number}-sync-2` },
        { kind: 'command', head: 0, id: `${number}-plan` },
      ];
      for (const p of [...pending]) if (random() < 0.5) pending.push({ ...p });
      let commentId = 50_000 + seed * 100;
      while (pending.length > 0) {
        // GitHub's head only moves forward; events of a head exist only once it was pushed.
        if (pushed < 2 && random() < 0.4) {
          pushed += 1;
          push(number, heads[pushed]!);
        }
        const ready = pending.filter((p) => p.head <= pushed);
        if (ready.length === 0) continue;
        const next = ready[Math.floor(random() * ready.length)]!;
        pending.splice(pending.indexOf(next), 1);
        const sends =
          next.kind === 'event'
            ? deliver(
                url,
                'pull_request',
                event(number, next.head === 0 ? 'opened' : 'synchronize', heads[next.head]!),
                { id: next.id },
              )
            : deliver(url, 'issue_comment', commentPayload(number, WRITER, '/mergeplane plan', commentId++));
        // Sometimes back to back, sometimes after the previous one settled.
        if (random() < 0.5) await sends;
        else sends.catch(() => undefined);
        if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
      }
      // Every event was sent once its head existed; the last head's may have come before older ones.
      expect(pushed).toBe(2);
      await idle();
      expectDecided(number, heads[2]!, heads.slice(0, 2), { exactlyOne: false });
    },
    60_000,
  );
});
