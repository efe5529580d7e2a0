/**
 * How far a plan got, reported by the planning core through the port `PlanProgress`; the edge that runs the plan
 * shows it (the CLI's progress bar on a terminal, the App's in-progress check run). Events come in phase order,
 * each phase once or more (rendering once per finished app), and end with `done`.
 */
export type PlanPhase = 'reading' | 'discovering' | 'rendering' | 'crossplane' | 'validating' | 'done';

export const PLAN_PHASES: readonly PlanPhase[] = [
  'reading',
  'discovering',
  'rendering',
  'crossplane',
  'validating',
  'done',
];

export interface PlanProgressEvent {
  phase: PlanPhase;
  /** Rendering: affected apps rendered and diffed so far, of `total`. */
  done?: number;
  total?: number;
}

export type PlanProgress = (event: PlanProgressEvent) => void;

export const noProgress: PlanProgress = () => {};

const LABELS: Record<PlanPhase, string> = {
  reading: 'Reading the base and head revisions',
  discovering: 'Discovering applications',
  rendering: 'Rendering',
  crossplane: 'Planning Crossplane claims',
  validating: 'Validating manifests against their schemas',
  done: 'Finishing the report',
};

const count = (n: number) => n.toLocaleString('en-US');

/** "Rendering 340 of 1,000 affected apps"; the other phases by name. */
export function describeProgress(event: PlanProgressEvent): string {
  if (event.phase === 'rendering' && event.total !== undefined) {
    const noun = event.total === 1 ? 'affected app' : 'affected apps';
    return `Rendering ${count(event.done ?? 0)} of ${count(event.total)} ${noun}`;
  }
  return LABELS[event.phase];
}

/**
 * Time left at the pace so far, or undefined before there is a pace to go by (nothing done yet, or all done).
 * `elapsedMs`: since the phase began.
 */
export function remainingMs(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || done >= total || elapsedMs <= 0) return undefined;
  return Math.round((elapsedMs / done) * (total - done));
}

/** "about 2 min left", "less than a minute left". */
export function describeRemaining(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute left';
  if (minutes < 90) return `about ${minutes} min left`;
  return `about ${Math.round(minutes / 60)} h left`;
}
