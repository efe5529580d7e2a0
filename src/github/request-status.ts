/** The HTTP status of a failed Octokit request (`RequestError.status`); undefined for anything else. */
export function requestStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}
