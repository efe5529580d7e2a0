import { isRecord } from '../model/kube-object.ts';
import type { ClaimReport } from '../model/plan-report.ts';
import type { Instance, Workload } from './claim-sides.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';
import type { ComposedResult } from './render-composed.ts';

/**
 * Where a claim's connection details land: its writeConnectionSecretToRef (v1), else a composed Secret (v2), else
 * the connection Secret a composed namespaced managed resource writes (v2).
 */
export function connectionSecretOf(
  instance: Instance,
  rendered: ComposedResult | undefined,
): ClaimReport['connectionSecret'] {
  const spec = isRecord(instance.object.spec) ? instance.object.spec : {};
  const ref =
    instance.parsed?.writeConnectionSecretToRef ??
    (isRecord(spec.writeConnectionSecretToRef) && typeof spec.writeConnectionSecretToRef.name === 'string'
      ? {
          name: spec.writeConnectionSecretToRef.name,
          ...(typeof spec.writeConnectionSecretToRef.namespace === 'string'
            ? { namespace: spec.writeConnectionSecretToRef.namespace }
            : {}),
        }
      : undefined);
  if (ref) {
    // A claim's secret is always written to the claim's namespace.
    const namespace =
      instance.parsed?.role === 'claim' ? instance.namespace : (ref.namespace ?? instance.namespace);
    return { namespace, name: ref.name };
  }
  // Crossplane v2 XRs no longer write connection secrets: a composed Secret carries the details, or else a
  // namespaced managed resource writes its own into the XR's namespace.
  const resources = rendered?.resources ?? [];
  for (const resource of resources) {
    const object = resource.object;
    if (object.apiVersion !== 'v1' || object.kind !== 'Secret') continue;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    if (typeof metadata.name !== 'string') continue;
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : instance.namespace;
    return { namespace, name: metadata.name };
  }
  if (instance.parsed?.role === 'claim' || instance.xrd?.scope !== 'Namespaced') return undefined;
  for (const resource of resources) {
    const spec = isRecord(resource.object.spec) ? resource.object.spec : {};
    const ref = isRecord(spec.writeConnectionSecretToRef) ? spec.writeConnectionSecretToRef : {};
    if (typeof ref.name === 'string' && ref.name !== '' && ref.name !== KNOWN_AFTER_APPLY) {
      return { namespace: instance.namespace, name: ref.name };
    }
  }
  return undefined;
}

/** The workloads that read the connection Secret, as `Kind ns/name`. */
export function consumersOf(
  workloads: readonly Workload[],
  secret: NonNullable<ClaimReport['connectionSecret']>,
): string[] {
  return [
    ...new Set(
      workloads
        .filter(
          (w) =>
            w.secrets.has(secret.name) &&
            (w.namespace === undefined || secret.namespace === '' || w.namespace === secret.namespace),
        )
        .map((w) => w.label),
    ),
  ].sort();
}
