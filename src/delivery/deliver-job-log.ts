import type { PlanLogger } from '../plan/plan-logger.ts';

/** A logger that adds a job's fields (jobId, repo, merge SHA, deliveryId…) to every line it writes. */
export function bindDeliverJobLog(log: PlanLogger, meta: Record<string, unknown>): PlanLogger {
  return {
    debug: (extra, message) => log.debug({ ...meta, ...extra }, message),
    info: (extra, message) => log.info({ ...meta, ...extra }, message),
    warn: (extra, message) => log.warn({ ...meta, ...extra }, message),
  };
}
