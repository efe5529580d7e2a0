/**
 * The queue's Redis cannot take the job right now (down, unreachable, or not answering in time). The webhook
 * endpoint answers 503 for it, so GitHub marks the delivery failed and it can be redelivered.
 */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  /** Why, for the logs: the Redis client's last connection error or what timed out. Never a credential. */
  readonly reason: string;
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`queue unavailable: ${reason}`, options);
    this.reason = reason;
  }
}
