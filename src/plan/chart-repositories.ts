import { normalizeRepoUrl } from '../gitops/repo-url.ts';
import type { AppEntry } from './app-entry.ts';

/** One spelling per chart repository: `oci://`, `https://`, a trailing slash and the host's case do not matter. */
export function chartRepoKey(repoURL: string): string {
  return normalizeRepoUrl(repoURL.replace(/^oci:\/\//i, '')).toLowerCase();
}

/** The chart repositories (Helm or OCI) the Applications of one revision render charts from. */
export function chartRepositories(entries: Iterable<AppEntry>): Set<string> {
  const repos = new Set<string>();
  for (const entry of entries) {
    if (entry.kind !== 'app') continue;
    for (const source of entry.app.sources) {
      if (source.chart !== undefined && source.path === undefined) repos.add(chartRepoKey(source.repoURL));
    }
  }
  return repos;
}
