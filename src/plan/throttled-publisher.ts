/** The clock a throttle reads and the timers it sets; tests pass a manual one. */
export interface ThrottleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending progress update never keeps a process alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ThrottledPublisher<T> {
  /** The latest state; published now if the last publish (or the start) was at least `intervalMs` ago, else then. */
  push(value: T): void;
  /** Stops: nothing is published after the returned promise resolves (a publish under way is awaited). */
  close(): Promise<void>;
}

/**
 * Publishes the latest of many values at most once per `intervalMs`, counted from its creation (what ends sooner
 * publishes nothing), then the newest one at the end of each interval, one at a time. A failed publish goes to
 * `onError`, which may `close` it.
 */
export function createThrottledPublisher<T>(o: {
  intervalMs: number;
  publish: (value: T) => Promise<void>;
  onError: (error: unknown) => void;
  clock?: ThrottleClock;
}): ThrottledPublisher<T> {
  const clock = o.clock ?? systemClock;
  let latest: { value: T } | undefined;
  let lastStart = clock.now();
  let inFlight: Promise<void> | undefined;
  let timer: unknown;
  let closed = false;

  const schedule = (): void => {
    if (closed || latest === undefined || timer !== undefined || inFlight !== undefined) return;
    const wait = lastStart + o.intervalMs - clock.now();
    if (wait > 0) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        schedule();
      }, wait);
      return;
    }
    const { value } = latest;
    latest = undefined;
    lastStart = clock.now();
    inFlight = o
      .publish(value)
      .catch(o.onError)
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
  };

  return {
    push(value) {
      if (closed) return;
      latest = { value };
      schedule();
    },
    async close() {
      closed = true;
      latest = undefined;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
