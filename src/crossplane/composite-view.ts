import { isRecord } from '../model/kube-object.ts';
import { parseCompositeInstance, referenceableVersion, type Xrd } from './crossplane-model.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';

/** Spec fields of a claim that belong to the claim only and are not copied to its XR. */
const CLAIM_ONLY_SPEC_FIELDS = ['resourceRef', 'writeConnectionSecretToRef'];

/**
 * The XR Crossplane will reconcile for a claim or XR manifest, as composition functions observe it:
 * for a v1 claim, an XR with the claim's spec, labels and annotations, `spec.claimRef`, and the
 * generated name known only after apply; the selected Composition recorded in `compositionRef`.
 */
export function buildCompositeView(o: {
  object: Record<string, unknown>;
  xrd: Xrd;
  compositionName?: string;
}): Record<string, unknown> {
  const instance = parseCompositeInstance(o.object, o.xrd);
  const source = structuredClone(o.object);
  delete source.status;
  const metadata = isRecord(source.metadata) ? source.metadata : {};
  const spec = isRecord(source.spec) ? source.spec : {};
  if (instance.role === 'composite') {
    if (o.compositionName) {
      const fields = o.xrd.crossplaneFieldsAt === 'spec.crossplane' ? ensureRecord(spec, 'crossplane') : spec;
      fields.compositionRef = { name: o.compositionName };
    }
    source.metadata = metadata;
    source.spec = spec;
    return source;
  }
  const labels = isRecord(metadata.labels) ? { ...metadata.labels } : {};
  const annotations = isRecord(metadata.annotations) ? { ...metadata.annotations } : undefined;
  const xrSpec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (!CLAIM_ONLY_SPEC_FIELDS.includes(k)) xrSpec[k] = v;
  xrSpec.claimRef = {
    apiVersion: instance.apiVersion,
    kind: instance.kind,
    name: instance.name,
    ...(instance.namespace ? { namespace: instance.namespace } : {}),
  };
  if (o.compositionName) xrSpec.compositionRef = { name: o.compositionName };
  return {
    apiVersion: `${o.xrd.group}/${referenceableVersion(o.xrd).name}`,
    kind: o.xrd.names.kind,
    metadata: {
      // Crossplane names the XR `<claim name>-<random suffix>`.
      name: KNOWN_AFTER_APPLY,
      labels: {
        ...labels,
        'crossplane.io/claim-name': instance.name,
        'crossplane.io/claim-namespace': instance.namespace ?? 'default',
        'crossplane.io/composite': KNOWN_AFTER_APPLY,
      },
      ...(annotations ? { annotations } : {}),
    },
    spec: xrSpec,
  };
}

function ensureRecord(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (isRecord(existing)) return existing;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}
