import type { ThrottleClock } from '../../src/plan/throttled-publisher.ts';

/** A clock the test moves by hand; timers fire when it passes their time. */
export function manualClock(): ThrottleClock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = next++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.callback();
        await flush();
      }
      now = until;
      await flush();
    },
  };
}

export const flush = () => new Promise((resolve) => setImmediate(resolve));
