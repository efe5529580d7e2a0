import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { clusterTargets, findClaimObject, withClusterTargets } from '../crossplane/cluster-targets.ts';
import { type CrossplaneObject, planClaims } from '../crossplane/plan-claims.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import { withGeneratorTree } from '../gitops/applicationset/expand-from-tree.ts';
import type { ClaimReport } from '../model/plan-report.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import type { AppRenderer, PlanSide } from '../plan/app-renderer.ts';
import type { CollectedApplications } from '../plan/collect-applications.ts';
import { renderSecretConsumers } from '../plan/render-secret-consumers.ts';
import type { SchemaValidator } from '../schema/schema-validator.ts';
import { readGoTemplatingDirs } from './go-templating-dirs.ts';
import { validateComposedSchemas } from './schema-stage.ts';

/**
 * The provisioning plan of a change: claims and XRs from the repository and from the apps' rendered output,
 * planned between the revisions; then the workloads reading a changed claim's connection Secret (often in apps the
 * change did not touch, rendered now from the cache) and, for a claim that registers a cluster, the ApplicationSets
 * that will generate apps on it.
 */
export async function planClaimsStage(o: {
  scans: Promise<[CrossplaneObject[], CrossplaneObject[]]>;
  renderer: AppRenderer;
  config: MergeplaneConfig;
  head: {
    side: PlanSide;
    entries: Map<string, AppEntry>;
  } & Pick<CollectedApplications, 'applicationSets' | 'clusters'>;
  isThisRepo: (url: string) => boolean;
  /** The base revision, for the templates of function-go-templating `FileSystem` sources. */
  base: { side: PlanSide };
  /** The head's schema validator (built once per plan), for the composed resources' check. */
  validatorOfHead: () => SchemaValidator;
}): Promise<{ claims: ClaimReport[]; findings: GateFinding[] }> {
  const { renderer, head } = o;
  const [baseScan, headScan] = await o.scans;
  const dirs = o.config.crossplane.goTemplatingDirs;
  const [baseTemplates, headTemplates] = await Promise.all([
    readGoTemplatingDirs(o.base.side.index, dirs),
    readGoTemplatingDirs(head.side.index, dirs),
  ]);
  const planNow = () =>
    planClaims({
      base: {
        objects: [...baseScan, ...renderer.rendered('base')],
        templateDirs: baseTemplates.templateDirs,
      },
      head: {
        objects: [...headScan, ...renderer.rendered('head')],
        templateDirs: headTemplates.templateDirs,
      },
      registerClusterKinds: o.config.crossplane.registerClusterKinds,
    });
  let plan = planNow();
  const secretNames = plan.claims.flatMap((c) =>
    c.action !== 'unchanged' && c.connectionSecret ? [c.connectionSecret.name] : [],
  );
  const consumersRendered = await renderSecretConsumers({
    side: head.side,
    entries: head.entries.values(),
    renderer,
    secretNames,
  });
  if (consumersRendered > 0) plan = planNow();
  const headObjects = [...headScan, ...renderer.rendered('head')];
  const composed = await validateComposedSchemas({
    plan,
    validator: o.validatorOfHead(),
    kubeVersion: o.config.validation.kubeVersion,
  });
  const claims: ClaimReport[] = [];
  for (const planned of plan.claims) {
    const label = `${planned.kind} ${planned.namespace ? `${planned.namespace}/` : ''}${planned.name}`;
    const kinds = composed.notValidated.get(label);
    const note = kinds && `composed resources not validated (no schema): ${kinds.join(', ')}`;
    const claim = note ? { ...planned, notes: [...(planned.notes ?? []), note] } : planned;
    const claimObject =
      claim.registersCluster && (claim.action === 'create' || claim.action === 'update')
        ? findClaimObject(headObjects, claim)
        : undefined;
    if (!claimObject) {
      claims.push(claim);
      continue;
    }
    const targets = await withGeneratorTree(head.side.index.tree, (view) =>
      clusterTargets({
        claim,
        claimObject,
        applicationSets: head.applicationSets,
        clusters: head.clusters,
        root: view,
        isThisRepo: o.isThisRepo,
      }),
    );
    claims.push(withClusterTargets(claim, targets));
  }
  // A template folder already missing at base is not this change's fault; at head it is.
  return { claims, findings: [...headTemplates.findings, ...plan.findings, ...composed.findings] };
}
