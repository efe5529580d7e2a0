import { isRecord, type KubeObject } from '../model/kube-object.ts';

/**
 * What Argo CD renders but never applies: Helm test hooks (`helm.sh/hook: test`, Helm 2's `test-success` /
 * `test-failure`; Argo CD maps the other Helm hooks onto its own, Argo CD documentation "Helm Hooks") and
 * manifests marked `argocd.argoproj.io/hook: Skip` ("Sync Phases and Waves"). They are taken out of the
 * diff and named instead.
 */
const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

export function helmTestHook(object: KubeObject): string | undefined {
  const annotations = isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
  // Argo CD's own annotation wins over Helm's; `Skip` means "never apply this manifest".
  const argoHook = annotations['argocd.argoproj.io/hook'];
  if (typeof argoHook === 'string') {
    return argoHook.split(',').some((p) => p.trim() === 'Skip')
      ? `argocd.argoproj.io/hook: ${argoHook}`
      : undefined;
  }
  const hook = annotations['helm.sh/hook'];
  if (typeof hook !== 'string') return undefined;
  const phases = hook.split(',').map((p) => p.trim());
  return phases.length > 0 && phases.every((p) => TEST_HOOKS.has(p)) ? `helm.sh/hook: ${hook}` : undefined;
}

/**
 * Helm hooks Argo CD runs as its own (Argo CD documentation, "Helm" → "Helm Hooks"): pre-install and
 * pre-upgrade as PreSync, post-install and post-upgrade as PostSync, post-delete as PostDelete.
 */
const HELM_TO_ARGO: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'post-delete': 'PostDelete',
};

/**
 * The Argo CD hook phases an applied object runs in (`PreSync`, `PostSync, SyncFail`…), from Argo CD's own
 * annotation, else from the Helm hooks Argo CD maps; undefined for an ordinary resource.
 */
export function hookPhases(object: KubeObject): string | undefined {
  const annotations = isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
  const argoHook = annotations['argocd.argoproj.io/hook'];
  if (typeof argoHook === 'string') {
    const phases = argoHook
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    return phases.length > 0 ? phases.join(', ') : undefined;
  }
  const helmHook = annotations['helm.sh/hook'];
  if (typeof helmHook !== 'string') return undefined;
  const phases = [...new Set(helmHook.split(',').flatMap((p) => HELM_TO_ARGO[p.trim()] ?? []))];
  return phases.length > 0 ? phases.join(', ') : undefined;
}

/**
 * Splits rendered objects into what Argo CD applies and what `skipReason` names a reason for (listed as
 * `Kind ns/name (reason)`, the namespace defaulting to the app's destination, as the diff keys objects).
 */
export function withoutUnapplied(
  objects: readonly KubeObject[],
  defaultNamespace: string,
  skipReason: (object: KubeObject) => string | undefined,
): {
  applied: KubeObject[];
  skipped: string[];
} {
  const applied: KubeObject[] = [];
  const skipped: string[] = [];
  for (const object of objects) {
    const reason = skipReason(object);
    if (reason === undefined) {
      applied.push(object);
      continue;
    }
    const { name } = object.metadata;
    const namespace = object.metadata.namespace || defaultNamespace;
    skipped.push(`${object.kind} ${namespace ? `${namespace}/` : ''}${name} (${reason})`);
  }
  return { applied, skipped };
}

/** The Helm test (and Skip) hooks Argo CD never applies, split off the rendered objects. */
export function withoutTestHooks(
  objects: readonly KubeObject[],
  defaultNamespace: string,
): { applied: KubeObject[]; skipped: string[] } {
  return withoutUnapplied(objects, defaultNamespace, helmTestHook);
}
