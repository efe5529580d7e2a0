/** The objects each event Mergeplane handles must carry, as GitHub always sends them. */
const REQUIRED: Record<string, readonly string[]> = {
  pull_request: ['repository', 'pull_request'],
  issue_comment: ['repository', 'issue', 'comment'],
  check_run: ['repository', 'check_run'],
  push: ['repository'],
  merge_group: ['repository', 'merge_group'],
  installation: ['installation'],
  installation_repositories: ['installation'],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why a signed payload cannot be a GitHub webhook of its event, or undefined when it can be. Signed but
 * malformed (a replay of the wrong body, a bug upstream) is the sender's error, answered 400, never a
 * handler crash.
 */
export function malformedWebhookReason(event: string, payload: unknown): string | undefined {
  if (!isObject(payload)) return 'payload is not a JSON object';
  for (const field of REQUIRED[event] ?? []) {
    if (!isObject(payload[field])) return `${event} payload has no ${field} object`;
  }
  if (typeof payload.action !== 'string' && event !== 'push' && REQUIRED[event] !== undefined) {
    return `${event} payload has no action`;
  }
  return undefined;
}
