/**
 * A plan failure that retrying cannot fix (the pull request or installation is gone, the configuration is
 * invalid). The plan worker turns it into BullMQ's `UnrecoverableError`, so the job fails at once.
 */
export class PermanentPlanError extends Error {
  override readonly name = 'PermanentPlanError';
}
