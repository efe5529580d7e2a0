import { buildSide, type CrossplaneObject } from '../crossplane/claim-sides.ts';
import type { Application } from '../gitops/application.ts';
import type { DriftClaim, DriftDefinitions } from '../model/drift.ts';

/** Whether a source's `targetRevision` follows the branch (Argo CD's default `HEAD`, the branch or its ref). */
function followsBranch(targetRevision: string | undefined, branch: string): boolean {
  const revision = targetRevision ?? '';
  return revision === '' || revision === 'HEAD' || revision === branch || revision === `refs/heads/${branch}`;
}

/**
 * What the default branch defines at the merge, for the drift check: every Application (app-of-apps children and
 * ApplicationSet output included, as the delivery plan collected them) and every claim or XR among the objects the
 * plan scanned — the repository's YAML and the rendered output of the apps the merge changed.
 */
export function driftDefinitions(o: {
  sha: string;
  branch: string;
  apps: readonly Application[];
  crossplaneObjects: readonly CrossplaneObject[];
  isThisRepo: (url: string) => boolean;
}): DriftDefinitions {
  const apps = o.apps.map((app) => ({
    namespace: app.namespace,
    name: app.name,
    tracksBranch: app.sources.some(
      (source) => o.isThisRepo(source.repoURL) && followsBranch(source.targetRevision, o.branch),
    ),
  }));
  const claims: DriftClaim[] = [...buildSide({ objects: [...o.crossplaneObjects] }).instances.values()].map(
    (instance) => ({
      apiVersion: instance.apiVersion,
      kind: instance.kind,
      ...(instance.namespace === '' ? {} : { namespace: instance.namespace }),
      name: instance.name,
    }),
  );
  return { sha: o.sha, branch: o.branch, apps, claims };
}
