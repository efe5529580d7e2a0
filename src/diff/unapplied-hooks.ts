import { isRecord, type KubeObject } from '../kube/kube-object.ts';

/**
 * Helm test hooks (`helm.sh/hook: test`, and Helm 2's `test-success` / `test-failure`) run only on
 * `helm test`; Argo CD maps the other Helm hooks onto its own and does not apply these at all (Argo CD
 * documentation, "Helm Hooks"). They are rendered, so they are taken out of the diff and named instead.
 */
const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

export function helmTestHook(object: KubeObject): string | undefined {
  const annotations = isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
  const hook = annotations['helm.sh/hook'];
  if (typeof hook !== 'string') return undefined;
  const phases = hook.split(',').map((p) => p.trim());
  return phases.length > 0 && phases.every((p) => TEST_HOOKS.has(p)) ? hook : undefined;
}

/**
 * Splits rendered objects into what Argo CD applies and the Helm test hooks it skips (as `Kind ns/name`, the
 * namespace defaulting to the app's destination, as the diff keys objects).
 */
export function withoutTestHooks(
  objects: readonly KubeObject[],
  defaultNamespace: string,
): {
  applied: KubeObject[];
  skipped: string[];
} {
  const applied: KubeObject[] = [];
  const skipped: string[] = [];
  for (const object of objects) {
    const hook = helmTestHook(object);
    if (hook === undefined) {
      applied.push(object);
      continue;
    }
    const { name } = object.metadata;
    const namespace = object.metadata.namespace || defaultNamespace;
    skipped.push(`${object.kind} ${namespace ? `${namespace}/` : ''}${name} (helm.sh/hook: ${hook})`);
  }
  return { applied, skipped };
}
