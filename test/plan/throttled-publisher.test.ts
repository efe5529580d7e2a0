import { describe, expect, it } from 'vitest';
import { createThrottledPublisher } from '../../src/plan/throttled-publisher.ts';
import { flush, manualClock } from '../support/manual-clock.ts';

describe('createThrottledPublisher', () => {
  it('publishes nothing in the first interval, then only the latest at most once per interval', async () => {
    const clock = manualClock();
    const published: [number, string][] = [];
    const publisher = createThrottledPublisher<string>({
      intervalMs: 10_000,
      clock,
      publish: async (value) => {
        published.push([clock.now(), value]);
      },
      onError: () => {},
    });
    publisher.push('a');
    await flush();
    await clock.advance(1_000);
    publisher.push('b');
    await clock.advance(2_000);
    publisher.push('c');
    await clock.advance(20_000);
    publisher.push('d');
    await flush();
    expect(published).toEqual([
      [10_000, 'c'],
      [23_000, 'd'],
    ]);
  });

  it('publishes one at a time, and nothing after close (which waits for the one under way)', async () => {
    const clock = manualClock();
    const started: string[] = [];
    let finish: () => void = () => {};
    const publisher = createThrottledPublisher<string>({
      intervalMs: 100,
      clock,
      publish: (value) => {
        started.push(value);
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      onError: () => {},
    });
    publisher.push('slow');
    await clock.advance(1_000);
    publisher.push('queued');
    await clock.advance(1_000);
    expect(started).toEqual(['slow']);
    let closed = false;
    const closing = publisher.close().then(() => {
      closed = true;
    });
    await flush();
    expect(closed).toBe(false);
    finish();
    await closing;
    publisher.push('late');
    await clock.advance(1_000);
    expect(started).toEqual(['slow']);
  });

  it('keeps publishing after a failed publish, which goes to onError', async () => {
    const clock = manualClock();
    const errors: unknown[] = [];
    const published: string[] = [];
    const publisher = createThrottledPublisher<string>({
      intervalMs: 100,
      clock,
      publish: async (value) => {
        if (value === 'bad') throw new Error('502');
        published.push(value);
      },
      onError: (error) => errors.push(error),
    });
    publisher.push('bad');
    await clock.advance(100);
    publisher.push('good');
    await clock.advance(100);
    expect(errors).toHaveLength(1);
    expect(published).toEqual(['good']);
  });
});
