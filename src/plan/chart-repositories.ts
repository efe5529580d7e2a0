import { normalizeRepoUrl } from '../gitops/repo-url.ts';
import { recordList } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';
import type { AppEntry } from './app-entry.ts';
import type { TreeIndex } from './tree-index.ts';

/** One spelling per chart repository: `oci://`, `https://`, a trailing slash and the host's case do not matter. */
export function chartRepoKey(repoURL: string): string {
  return normalizeRepoUrl(repoURL.replace(/^oci:\/\//i, '')).toLowerCase();
}

/**
 * The chart repositories (Helm or OCI) one revision uses: Applications' chart sources, the remote dependencies
 * its charts declare (Chart.yaml, requirements.yaml) and its kustomizations' `helmCharts`.
 */
export async function chartRepositories(entries: Iterable<AppEntry>, index: TreeIndex): Promise<Set<string>> {
  const repos = new Set<string>();
  for (const entry of entries) {
    if (entry.kind !== 'app') continue;
    for (const source of entry.app.sources) {
      if (source.chart !== undefined && source.path === undefined) repos.add(chartRepoKey(source.repoURL));
    }
  }
  for (const file of await index.filesUnder('.')) {
    const kustomization = /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(file);
    if (!kustomization && !/(^|\/)(Chart|requirements)\.yaml$/.test(file)) continue;
    let parsed: unknown;
    try {
      parsed = parseYamlValue((await index.text(file)) ?? '');
    } catch {
      continue; // the render of the chart reports it
    }
    const record = isRecord(parsed) ? parsed : {};
    const declared = kustomization
      ? recordList(record.helmCharts).map((c) => c.repo)
      : recordList(record.dependencies).map((d) => d.repository);
    for (const repo of declared) {
      if (typeof repo === 'string' && /^(https?|oci):\/\//.test(repo)) repos.add(chartRepoKey(repo));
    }
  }
  return repos;
}
