import { isXrdObject } from '../crossplane/crossplane-model.ts';
import { isRecord } from '../model/kube-object.ts';

/** One version of a CustomResourceDefinition. */
export interface CrdVersion {
  name: string;
  served: boolean;
  schema?: Record<string, unknown>;
}

/** A CustomResourceDefinition found in the repository or rendered by the plan. */
export interface CrdEntry {
  /** `plural.group`, the CRD's name; with the index in the list it identifies the compiled schemas. */
  name: string;
  versions: CrdVersion[];
}

/** The custom kinds a revision defines: CRDs by `group/Kind`, and the kinds Crossplane XRDs define. */
export interface CustomDefinitions {
  crds: ReadonlyMap<string, CrdEntry>;
  /** `group/Kind` of every XR and claim kind of an XRD: the `claims` gate validates those. */
  xrdKinds: ReadonlySet<string>;
}

function crdEntry(object: Record<string, unknown>): { key: string; entry: CrdEntry } | undefined {
  const spec = object.spec;
  if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names)) return undefined;
  const kind = spec.names.kind;
  if (typeof kind !== 'string' || !Array.isArray(spec.versions)) return undefined;
  const versions: CrdVersion[] = [];
  for (const v of spec.versions) {
    if (!isRecord(v) || typeof v.name !== 'string') continue;
    const schema =
      isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    versions.push({ name: v.name, served: v.served !== false, ...(schema ? { schema } : {}) });
  }
  const name = isRecord(object.metadata) ? String(object.metadata.name ?? '') : '';
  return { key: `${spec.group}/${kind}`, entry: { name, versions } };
}

function xrdKinds(object: Record<string, unknown>): string[] {
  const spec = object.spec;
  if (!isRecord(spec) || typeof spec.group !== 'string') return [];
  const kinds: string[] = [];
  for (const names of [spec.names, spec.claimNames]) {
    if (isRecord(names) && typeof names.kind === 'string') kinds.push(`${spec.group}/${names.kind}`);
  }
  return kinds;
}

/**
 * The CRDs (apiextensions.k8s.io/v1) and XRDs among a revision's objects. When two CRDs define one kind the
 * first wins: repository files come before rendered output, as the caller orders them.
 */
export function collectCustomDefinitions(objects: Iterable<Record<string, unknown>>): CustomDefinitions {
  const crds = new Map<string, CrdEntry>();
  const xrds = new Set<string>();
  for (const object of objects) {
    if (object.kind === 'CustomResourceDefinition' && object.apiVersion === 'apiextensions.k8s.io/v1') {
      const found = crdEntry(object);
      if (found && !crds.has(found.key)) crds.set(found.key, found.entry);
    } else if (isXrdObject(object)) {
      for (const kind of xrdKinds(object)) xrds.add(kind);
    }
  }
  return { crds, xrdKinds: xrds };
}
