import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ApplicationProgressInput,
  alreadySyncedAt,
  evaluateApplicationProgress,
  operationIsFor,
  runningOperation,
} from '../../src/kube/application-progress.ts';

const REV = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const STARTED = Date.parse('2026-05-01T10:00:00Z');

function app(yamlText: string): unknown {
  return parse(yamlText.replaceAll('$REV', REV).replaceAll('$OLD', OLD));
}

const synced = (health: string, extra = '') => `
status:
  sync: { status: Synced, revision: $REV }
  health: { status: ${health}, message: "${health} message" }
  operationState:
    phase: Succeeded
    finishedAt: "2026-05-01T10:00:30Z"
    operation: { sync: { revision: $REV } }
    syncResult: { revision: $REV }
${extra}`;

interface Row {
  name: string;
  app: string | undefined;
  requireOperation?: boolean;
  nowOffsetMs?: number;
  graceMs?: number;
  state: 'waiting' | 'succeeded' | 'failed';
  reason: RegExp;
  recheckAt?: boolean;
}

const rows: Row[] = [
  { name: 'missing Application waits', app: undefined, state: 'waiting', reason: /does not exist yet/ },
  {
    name: 'synced and healthy at the revision succeeds',
    app: synced('Healthy'),
    state: 'succeeded',
    reason: /synced aaaaaaa and healthy/,
  },
  {
    name: 'operation requested but not started waits',
    app: `
operation: { sync: { revision: $REV } }
status: { sync: { status: Synced, revision: $OLD }, health: { status: Healthy } }`,
    state: 'waiting',
    reason: /sync of aaaaaaa requested/,
  },
  {
    name: 'operation for the revision running waits with its message',
    app: `
operation: { sync: { revision: $REV } }
status:
  operationState: { phase: Running, message: "one of 3 resources applied", operation: { sync: { revision: $REV } } }`,
    state: 'waiting',
    reason: /sync of aaaaaaa running: one of 3 resources applied/,
  },
  {
    name: 'another revision running waits and names it',
    app: `
status:
  operationState: { phase: Running, operation: { sync: { revision: $OLD } } }
  sync: { status: Synced, revision: $REV }
  health: { status: Healthy }`,
    state: 'waiting',
    reason: /another operation \(bbbbbbb\) running/,
  },
  {
    name: 'Failed operation for the revision fails at once with Argo CD message',
    app: `
status:
  operationState: { phase: Failed, message: "one or more objects failed to apply", syncResult: { revision: $REV } }
  sync: { status: OutOfSync, revision: $REV }`,
    state: 'failed',
    reason: /sync of aaaaaaa Failed: one or more objects failed to apply/,
  },
  {
    name: 'Error operation (revision only in operation.sync) fails',
    app: `
status:
  operationState: { phase: Error, message: "rpc error", operation: { sync: { revision: $REV } } }`,
    state: 'failed',
    reason: /sync of aaaaaaa Error: rpc error/,
  },
  {
    name: 'a Failed operation of another revision is not our failure',
    app: `
status:
  operationState: { phase: Failed, message: boom, syncResult: { revision: $OLD } }
  sync: { status: Synced, revision: $REV }
  health: { status: Healthy }`,
    requireOperation: false,
    state: 'succeeded',
    reason: /healthy/,
  },
  {
    name: 'when we set the operation, Synced+Healthy alone is not enough',
    app: `
status:
  operationState: { phase: Succeeded, syncResult: { revision: $OLD } }
  sync: { status: Synced, revision: $REV }
  health: { status: Healthy }`,
    requireOperation: true,
    state: 'waiting',
    reason: /waiting for the sync operation of aaaaaaa/,
  },
  {
    name: 'synced at an older revision waits',
    app: `
status: { sync: { status: Synced, revision: $OLD }, health: { status: Healthy } }`,
    state: 'waiting',
    reason: /sync status Synced at bbbbbbb, waiting for Synced at aaaaaaa/,
  },
  {
    name: 'OutOfSync at the revision waits, explaining a comparison error',
    app: `
status:
  sync: { status: Unknown, revision: $REV }
  conditions: [{ type: ComparisonError, message: "failed to load target state" }]`,
    state: 'waiting',
    reason: /sync status Unknown at aaaaaaa.*ComparisonError: failed to load target state/,
  },
  {
    name: 'multi-source revisions match',
    app: `
status: { sync: { status: Synced, revisions: [$OLD, $REV] }, health: { status: Healthy } }`,
    state: 'succeeded',
    reason: /healthy/,
  },
  {
    name: 'Progressing waits',
    app: synced('Progressing'),
    requireOperation: true,
    state: 'waiting',
    reason: /health Progressing/,
  },
  {
    name: 'Degraded within the grace waits and asks to be checked again',
    app: synced('Degraded'),
    requireOperation: true,
    nowOffsetMs: 40_000,
    graceMs: 60_000,
    state: 'waiting',
    reason: /health Degraded, waiting out the grace period: Degraded message/,
    recheckAt: true,
  },
  {
    name: 'Degraded past the grace (counted from the sync end) fails',
    app: synced('Degraded'),
    requireOperation: true,
    nowOffsetMs: 90_000,
    graceMs: 60_000,
    state: 'failed',
    reason: /health Degraded: Degraded message/,
  },
  {
    name: 'Missing past the grace fails',
    app: synced('Missing'),
    nowOffsetMs: 30_000,
    graceMs: 0,
    state: 'failed',
    reason: /health Missing/,
  },
];

describe('evaluateApplicationProgress', () => {
  it.each(rows)('$name', (row) => {
    const input: ApplicationProgressInput = {
      app: row.app === undefined ? undefined : app(row.app),
      revision: REV,
      requireOperation: row.requireOperation ?? false,
      startedAtMs: STARTED,
      nowMs: STARTED + (row.nowOffsetMs ?? 1_000),
      degradedGraceMs: row.graceMs ?? 60_000,
    };
    const progress = evaluateApplicationProgress(input);
    expect(progress.state).toBe(row.state);
    expect(progress.reason).toMatch(row.reason);
    expect(progress.recheckAtMs !== undefined).toBe(row.recheckAt ?? false);
  });

  it('reports phase, sync and health as observed', () => {
    const progress = evaluateApplicationProgress({
      app: app(synced('Healthy')),
      revision: REV,
      requireOperation: true,
      startedAtMs: STARTED,
      nowMs: STARTED,
      degradedGraceMs: 0,
    });
    expect(progress).toMatchObject({ phase: 'Succeeded', sync: 'Synced', health: 'Healthy' });
  });

  it('counts the grace from the sync end, so recheck is finishedAt + grace', () => {
    const progress = evaluateApplicationProgress({
      app: app(synced('Degraded')),
      revision: REV,
      requireOperation: true,
      startedAtMs: STARTED,
      nowMs: STARTED + 31_000,
      degradedGraceMs: 10_000,
    });
    expect(progress.recheckAtMs).toBe(Date.parse('2026-05-01T10:00:30Z') + 10_000);
  });
});

describe('runningOperation', () => {
  it('sees a pending .operation and a Running operationState, with their revisions', () => {
    const pending = runningOperation(app('operation: { sync: { revision: $REV } }'));
    expect(pending && operationIsFor(pending, REV)).toBe(true);
    const running = runningOperation(
      app('status: { operationState: { phase: Running, operation: { sync: { revision: $OLD } } } }'),
    );
    expect(running && operationIsFor(running, REV)).toBe(false);
    expect(running?.revisions).toEqual([OLD]);
    expect(runningOperation(app(synced('Healthy')))).toBeUndefined();
    expect(runningOperation(app('status: { operationState: { phase: Terminating } }'))).toEqual({
      revisions: [],
      phase: 'Terminating',
    });
  });
});

describe('alreadySyncedAt', () => {
  it('is true only for a finished, successful operation of the revision that is still Synced at it', () => {
    expect(alreadySyncedAt(app(synced('Progressing')), REV)).toBe(true);
    expect(alreadySyncedAt(app(synced('Healthy')), OLD)).toBe(false);
    const drifted = app(synced('Healthy')) as { status: { sync: { status: string } } };
    drifted.status.sync.status = 'OutOfSync';
    expect(alreadySyncedAt(drifted, REV)).toBe(false);
    const failed = app(synced('Healthy')) as { status: { operationState: { phase: string } } };
    failed.status.operationState.phase = 'Failed';
    expect(alreadySyncedAt(failed, REV)).toBe(false);
    expect(alreadySyncedAt(app(`operation: { sync: { revision: $REV } }\n${synced('Healthy')}`), REV)).toBe(
      false,
    );
  });
});

describe('multi-source apps: per-source revisions, the merge at this repository’s sources', () => {
  // spec.sources: [Helm chart 1.2.3, this repository]; a third, one-source-too-many result must not match.
  const WANTED = ['1.2.3', REV];
  const multi = (revisions: string, health = 'Healthy') => `
status:
  sync: { status: Synced, revisions: ${revisions} }
  health: { status: ${health} }
  operationState:
    phase: Succeeded
    operation: { sync: { revisions: ${revisions} } }
    syncResult: { revisions: ${revisions} }`;

  interface MultiRow {
    name: string;
    app: string;
    revisions?: string[];
    state: 'waiting' | 'succeeded' | 'failed';
    reason: RegExp;
    alreadySynced: boolean;
  }
  const notOurs = (name: string, app: string): MultiRow => ({
    name,
    app,
    state: 'waiting',
    reason: /waiting for the sync operation of aaaaaaa/,
    alreadySynced: false,
  });
  const multiRows: MultiRow[] = [
    {
      name: 'the merge at our source, the chart as resolved: succeeded',
      app: multi('["1.2.3", $REV]'),
      state: 'succeeded',
      reason: /synced aaaaaaa and healthy/,
      alreadySynced: true,
    },
    {
      name: 'another chart version is not compared (Argo CD reports it resolved)',
      app: multi('["1.2.4", $REV]'),
      state: 'succeeded',
      reason: /healthy/,
      alreadySynced: true,
    },
    notOurs('the merge at the chart position only is not ours', multi('[$REV, $OLD]')),
    notOurs('an older commit at our source waits', multi('["1.2.3", $OLD]')),
    notOurs('a different number of sources is not ours', multi('["1.2.3", $REV, $REV]')),
    notOurs('a single `revision` does not satisfy a multi-source sync', synced('Healthy')),
    {
      name: 'without `revisions` (single source) a multi-source result still matches by value, as before',
      app: multi('["1.2.3", $REV]'),
      revisions: undefined,
      state: 'succeeded',
      reason: /healthy/,
      alreadySynced: true,
    },
    {
      name: 'no source in this repository: never counted as already synced',
      app: multi('["1.2.3", "4.5.6"]'),
      revisions: ['1.2.3', '4.5.6'],
      state: 'succeeded',
      reason: /healthy/,
      alreadySynced: false,
    },
  ];

  it.each(multiRows)('$name', (row) => {
    const revisions = 'revisions' in row ? row.revisions : WANTED;
    const object = app(row.app);
    const progress = evaluateApplicationProgress({
      app: object,
      revision: REV,
      ...(revisions ? { revisions } : {}),
      requireOperation: true,
      startedAtMs: STARTED,
      nowMs: STARTED,
      degradedGraceMs: 0,
    });
    expect(progress.state).toBe(row.state);
    expect(progress.reason).toMatch(row.reason);
    expect(alreadySyncedAt(object, REV, revisions)).toBe(row.alreadySynced);
  });

  it('matches a running operation by its per-source revisions', () => {
    const ours = runningOperation(app('operation: { sync: { revisions: ["1.2.3", $REV] } }'));
    expect(ours?.sourceRevisions).toEqual(['1.2.3', REV]);
    expect(ours && operationIsFor(ours, REV, WANTED)).toBe(true);
    const older = runningOperation(
      app(
        'status: { operationState: { phase: Running, operation: { sync: { revisions: ["1.2.3", $OLD] } } } }',
      ),
    );
    expect(older && operationIsFor(older, REV, WANTED)).toBe(false);
    const swapped = runningOperation(app('operation: { sync: { revisions: [$REV, "1.2.3"] } }'));
    expect(swapped && operationIsFor(swapped, REV, WANTED)).toBe(false);
    // A single-revision operation carries no per-source revisions to match.
    const single = runningOperation(app('operation: { sync: { revision: $REV } }'));
    expect(single && operationIsFor(single, REV, WANTED)).toBe(false);
    expect(single && operationIsFor(single, REV)).toBe(true);
  });

  it('names the running multi-source operation while another one runs', () => {
    const progress = evaluateApplicationProgress({
      app: app(
        'status: { operationState: { phase: Running, operation: { sync: { revisions: ["1.2.3", $OLD] } } } }',
      ),
      revision: REV,
      revisions: WANTED,
      requireOperation: true,
      startedAtMs: STARTED,
      nowMs: STARTED,
      degradedGraceMs: 0,
    });
    expect(progress).toMatchObject({
      state: 'waiting',
      reason: 'another operation (1.2.3, bbbbbbb) running',
    });
  });
});
