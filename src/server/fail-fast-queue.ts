import { QueueUnavailableError } from './queue-unavailable-error.ts';
import type { RedisHealth } from './redis-health.ts';

export interface FailFastOptions {
  health: Pick<RedisHealth, 'isReady' | 'reason' | 'check'>;
  /** A queue call still pending after this long counts as Redis unavailable. GitHub gives a delivery 10 s. */
  timeoutMs?: number;
}

type AsyncMethod<A extends unknown[], R> = (...args: A) => Promise<R>;

/**
 * Wraps one queue method so that, when Redis is down, it throws `QueueUnavailableError` at once instead of
 * hanging in a client's offline queue or reconnect wait: checked before the call (no I/O), by a deadline,
 * and after a failure (a PING tells a Redis outage from any other error, which is rethrown unchanged).
 */
export function failFast<A extends unknown[], R>(
  method: AsyncMethod<A, R>,
  options: FailFastOptions,
): AsyncMethod<A, R> {
  const { health } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async (...args) => {
    if (!health.isReady()) {
      throw new QueueUnavailableError(`Redis is not connected (${health.reason() ?? 'unknown'})`);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new QueueUnavailableError(`Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([method(...args), deadline]);
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      const status = await health.check();
      if (!status.up) throw new QueueUnavailableError(status.reason, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
