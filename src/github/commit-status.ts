import type { Octokit } from '@octokit/rest';

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  owner: string;
  repo: string;
  sha: string;
  /** `mergeplane/claim: NS/NAME`, `mergeplane/sync: APP` or `mergeplane/deploy`. */
  context: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
}

/** GitHub rejects longer status descriptions. */
export const MAX_STATUS_DESCRIPTION = 140;

// Whatever a controller or API server says ends up here; none of these may reach GitHub.
const CREDENTIAL_PATTERNS: RegExp[] = [
  /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(token|password|passwd|secret|client-key-data|client-certificate-data|certificate-authority-data)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;]+)/gi,
  /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/gi,
];

/** Replaces credential-looking values (tokens, passwords, kubeconfig key data, URL userinfo) with `***`. */
export function redactCredentials(text: string): string {
  // URL userinfo first: its `token:` would otherwise be taken for a key-value pair.
  return text
    .replace(CREDENTIAL_PATTERNS[2]!, (match) => `${match.slice(0, match.indexOf('://') + 3)}***@`)
    .replace(CREDENTIAL_PATTERNS[0]!, '$1 ***')
    .replace(CREDENTIAL_PATTERNS[1]!, '$1$2***');
}

/** One line, credentials redacted, at most 140 characters (cut with `…`). */
export function statusDescription(text: string): string {
  const line = redactCredentials(text).replace(/\s+/g, ' ').trim();
  return line.length <= MAX_STATUS_DESCRIPTION ? line : `${line.slice(0, MAX_STATUS_DESCRIPTION - 1)}…`;
}

/** The Argo CD UI page of an Application, when the UI's URL is configured. */
export function argocdApplicationUrl(
  argocdUrl: string | undefined,
  app: { namespace: string; name: string },
): string | undefined {
  if (!argocdUrl) return undefined;
  const base = argocdUrl.replace(/\/+$/, '');
  return `${base}/applications/${encodeURIComponent(app.namespace)}/${encodeURIComponent(app.name)}`;
}

/** POST /repos/{owner}/{repo}/statuses/{sha}. */
export async function createCommitStatus(octokit: Octokit, status: CommitStatus): Promise<void> {
  await octokit.rest.repos.createCommitStatus({
    owner: status.owner,
    repo: status.repo,
    sha: status.sha,
    context: status.context,
    state: status.state,
    description: statusDescription(status.description),
    ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
  });
}
