import { RBAC_SUBJECT, renderRbacManifest } from '../../scripts/render-rbac.ts';

let rendered: string | undefined;

/**
 * The RBAC of the Helm chart (deploy/chart/mergeplane), rendered by the bundled helm once per test process for
 * release `mergeplane` in namespace `mergeplane` — the rules every test that enforces RBAC evaluates, and the
 * text deploy/rbac.yaml must equal (`node scripts/render-rbac.ts`).
 */
export function chartRbacYaml(): string {
  rendered ??= renderRbacManifest();
  return rendered;
}

/** Mergeplane's ServiceAccount in that rendering. */
export const CHART_RBAC_SUBJECT: { namespace: string; name: string } = RBAC_SUBJECT;
