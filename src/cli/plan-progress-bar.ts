import cliProgress from 'cli-progress';
import { describeProgress, noProgress, type PlanProgress } from '../plan/plan-progress.ts';

/** Where the bar is drawn: stderr, which the progress never shares with the report on stdout. */
export interface ProgressStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface PlanProgressBar {
  progress: PlanProgress;
  /** Removes the bar (the report follows); safe to call twice or when nothing was drawn. */
  stop(): void;
}

/**
 * The CLI's progress on a terminal: one line on stderr with the phase, and while apps render a bar with the count
 * and cli-progress's estimate of the time left. Nothing at all when stderr is not a terminal or with `--quiet`, so
 * logs and pipes stay clean.
 */
export function createPlanProgressBar(stream: ProgressStream, options: { quiet: boolean }): PlanProgressBar {
  if (options.quiet || stream.isTTY !== true) return { progress: noProgress, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    stream,
    clearOnComplete: true,
    hideCursor: true,
    // Its own handler would only stop the bar and swallow the signal: Ctrl-C must still end the plan.
    gracefulExit: false,
    etaBuffer: 50,
    format: (barOptions, params, payload: { label?: string; counted?: boolean }) => {
      const label = payload.label ?? '';
      if (payload.counted !== true) return `mergeplane: ${label}…`;
      const eta =
        params.value > 0 ? ` | ${cliProgress.Format.TimeFormat(params.eta, barOptions, 5)} left` : '';
      return `mergeplane: ${label} ${cliProgress.Format.BarFormat(params.progress, barOptions)}${eta}`;
    },
  });
  let started = false;
  let stopped = false;
  let phase: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    // The listeners are gone again: the signal now does what it does by default (end the process).
    process.kill(process.pid, signal);
  };
  const stop = () => {
    if (started && !stopped) bar.stop();
    stopped = true;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  // The bar hides the cursor: a signal first gives it back, then ends the plan as it would have without a bar.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress: PlanProgress = (event) => {
    if (stopped) return;
    if (event.phase === 'done') return stop();
    const counted = event.phase === 'rendering' && event.total !== undefined;
    const payload = { label: describeProgress(event), counted };
    const total = counted ? Math.max(event.total ?? 0, 1) : 1;
    const value = counted ? (event.done ?? 0) : 0;
    if (!started) {
      bar.start(total, value, payload);
      started = true;
      phase = event.phase;
      return;
    }
    if (bar.getTotal() !== total) bar.setTotal(total);
    bar.update(value, payload);
    // The bar redraws at most every 100 ms; a new phase is drawn at once, so none goes by unseen.
    if (event.phase !== phase) bar.render();
    phase = event.phase;
  };
  return { progress, stop };
}
