/**
 * A sliding one-minute budget of optional writes per key (an installation): progress updates take from it and are
 * skipped when it is spent, so many plans of one installation in one process never crowd out the writes that must
 * happen (results, comments) under GitHub's limit on content-creating requests.
 */
export interface WriteBudget {
  /** Whether one more optional write of `key` fits in the last minute; if so, it is counted. */
  take(key: string): boolean;
}

export function createWriteBudget(o: { perMinute: number; now?: () => number }): WriteBudget {
  const now = o.now ?? Date.now;
  const taken = new Map<string, number[]>();
  return {
    take(key) {
      const at = now();
      const recent = (taken.get(key) ?? []).filter((t) => at - t < 60_000);
      if (recent.length >= o.perMinute) {
        taken.set(key, recent);
        return false;
      }
      recent.push(at);
      taken.set(key, recent);
      return true;
    },
  };
}

/**
 * Progress updates of one installation, per worker process and minute. With the default interval (10 s) that is
 * three plans running at full rate; GitHub allows 80 content-creating requests a minute.
 */
export const PROGRESS_WRITES_PER_MINUTE = 20;
