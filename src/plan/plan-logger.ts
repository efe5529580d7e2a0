/** The slice of pino's API the planning core uses; Probot's logger and `pino()` both satisfy it. */
export interface PlanLogger {
  debug(meta: Record<string, unknown>, message: string): void;
  info(meta: Record<string, unknown>, message: string): void;
  warn(meta: Record<string, unknown>, message: string): void;
}

export const silentLogger: PlanLogger = {
  debug() {},
  info() {},
  warn() {},
};
