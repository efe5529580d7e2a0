import { readFileSync } from 'node:fs';
import type { E2ERepo, FileChanges } from './e2e-repo.ts';

const CONFIG = '.github/mergeplane.yml';
const PODINFO = 'kustomize/podinfo/overlays/production/kustomization.yaml';
const GUESTBOOK_EU = 'charts/guestbook/values-prod-eu.yaml';

function edit(repo: E2ERepo, sha: string, path: string, change: (text: string) => string): FileChanges {
  const text = repo.read(sha, path);
  if (text === undefined) throw new Error(`${path} is missing at ${sha}`);
  const changed = change(`${text}\n`);
  if (changed === `${text}\n`) throw new Error(`${path}: the edit changed nothing`);
  return { [path]: changed };
}

/** The repository config with a `delivery:` block appended (the demo's config has none). */
export function deliveryConfig(repo: E2ERepo, sha: string, delivery: string): FileChanges {
  return edit(repo, sha, CONFIG, (text) => `${text}\ndelivery:\n${delivery.replace(/^/gm, '  ')}\n`);
}

/** podinfo-production runs image tag `tag`. */
export function podinfoTag(repo: E2ERepo, sha: string, tag: string): FileChanges {
  return edit(repo, sha, PODINFO, (text) => text.replace(/newTag: .*/, `newTag: ${tag}`));
}

/** guestbook on prod-eu runs `replicas` replicas. */
export function guestbookEuReplicas(repo: E2ERepo, sha: string, replicas: number): FileChanges {
  return edit(repo, sha, GUESTBOOK_EU, (text) =>
    text.replace(/replicaCount: .*/, `replicaCount: ${replicas}`),
  );
}

const DEMO_CLUSTER_CLAIM = readFileSync(
  new URL('../../fixtures/demo/head/infra/clusters/prod-sa.yaml', import.meta.url),
  'utf8',
);

/** A new workload cluster claim in infra/clusters (delivered by the platform-clusters app), shaped like the demo's prod-sa. */
export function newClusterClaim(name: string): FileChanges {
  return { [`infra/clusters/${name}.yaml`]: DEMO_CLUSTER_CLAIM.replaceAll('prod-sa', name) };
}
