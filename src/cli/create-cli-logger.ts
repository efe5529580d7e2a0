import { pino } from 'pino';
import type { PlanLogger } from '../plan/plan-logger.ts';

/** Structured logs on stderr (stdout carries the plan); quiet unless MERGEPLANE_LOG_LEVEL says otherwise. */
export function createCliLogger(env: NodeJS.ProcessEnv): PlanLogger {
  return pino(
    { level: env.MERGEPLANE_LOG_LEVEL ?? 'warn', base: { name: 'mergeplane' } },
    pino.destination(2),
  );
}
