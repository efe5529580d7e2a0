import { afterEach, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import {
  describeProgress,
  describeRemaining,
  PLAN_PHASES,
  type PlanProgressEvent,
  remainingMs,
} from '../../src/plan/plan-progress.ts';
import { applicationYaml, configMap, ORIGIN } from '../conformance/conformance-repo.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const fixtures: GitFixture[] = [];
afterEach(() => {
  for (const fixture of fixtures.splice(0)) fixture.cleanup();
});

/** Four apps of their own folders; the head changes `changed` of them and adds one more. */
function repository(changed: number): { dir: string; base: string; head: string } {
  const repo = createGitFixture({ origin: ORIGIN });
  fixtures.push(repo);
  const files: Record<string, string> = {};
  for (let i = 0; i < 4; i++) {
    files[`apps/app-${i}.yaml`] = applicationYaml(`app-${i}`, { repoURL: ORIGIN, path: `deploy/app-${i}` });
    files[`deploy/app-${i}/cm.yaml`] = configMap(`settings-${i}`, 'one');
  }
  const base = repo.commit(files);
  repo.git('checkout', '-q', '-b', 'change');
  const next: Record<string, string> = {
    'apps/added.yaml': applicationYaml('added', { repoURL: ORIGIN, path: 'deploy/added' }),
    'deploy/added/cm.yaml': configMap('added', 'one'),
  };
  for (let i = 0; i < changed; i++) next[`deploy/app-${i}/cm.yaml`] = configMap(`settings-${i}`, 'two');
  return { dir: repo.dir, base, head: repo.commit(next) };
}

async function eventsOf(options: Parameters<typeof planChange>[0]): Promise<PlanProgressEvent[]> {
  const events: PlanProgressEvent[] = [];
  await planChange({ ...options, cacheDir: false, progress: (event) => events.push(event) });
  return events;
}

describe('the progress of a plan', () => {
  it('goes through every phase in order, counting each affected app once', async () => {
    const { dir, base, head } = repository(2);
    const events = await eventsOf({ repoDir: dir, base, head, baseBranch: 'main' });
    // Affected: the two changed apps and the added one; the two untouched apps are not rendered.
    expect(events).toEqual([
      { phase: 'reading' },
      { phase: 'discovering' },
      { phase: 'rendering', done: 0, total: 3 },
      { phase: 'rendering', done: 1, total: 3 },
      { phase: 'rendering', done: 2, total: 3 },
      { phase: 'rendering', done: 3, total: 3 },
      { phase: 'crossplane' },
      { phase: 'validating' },
      { phase: 'done' },
    ]);
    const order = events.map((e) => PLAN_PHASES.indexOf(e.phase));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('ends with done when the config stops the plan before it starts', async () => {
    const repo = createGitFixture({ origin: ORIGIN });
    fixtures.push(repo);
    const base = repo.commit({ '.github/mergeplane.yml': 'render: {concurency: 2}\n' });
    const head = repo.commit({ 'notes.txt': 'x\n' });
    expect(await eventsOf({ repoDir: repo.dir, base, head })).toEqual([
      { phase: 'reading' },
      { phase: 'done' },
    ]);
  });

  it('is described in words and with the time left at the pace so far', () => {
    expect(describeProgress({ phase: 'rendering', done: 340, total: 1000 })).toBe(
      'Rendering 340 of 1,000 affected apps',
    );
    expect(describeProgress({ phase: 'rendering', done: 0, total: 1 })).toBe('Rendering 0 of 1 affected app');
    expect(describeProgress({ phase: 'discovering' })).toBe('Discovering applications');
    // 340 apps in 68 s: 5 apps a second, 660 left → 132 s.
    expect(remainingMs(340, 1000, 68_000)).toBe(132_000);
    expect(remainingMs(0, 1000, 5_000)).toBeUndefined();
    expect(remainingMs(1000, 1000, 5_000)).toBeUndefined();
    expect(describeRemaining(132_000)).toBe('about 2 min left');
    expect(describeRemaining(20_000)).toBe('less than a minute left');
  });
});
