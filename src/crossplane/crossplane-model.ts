import { stringMap } from '../model/field-values.ts';
import { isRecord, splitApiVersion } from '../model/kube-object.ts';

/** A Crossplane object that cannot be understood (not thrown for unrelated objects). */
export class CrossplaneModelError extends Error {
  override readonly name = 'CrossplaneModelError';
}

export const XRD_GROUP = 'apiextensions.crossplane.io';

export interface ObjectRef {
  name: string;
}

export interface XrdVersion {
  name: string;
  served: boolean;
  referenceable: boolean;
  /** `schema.openAPIV3Schema`, when given. */
  schema: Record<string, unknown> | undefined;
}

/** A CompositeResourceDefinition (v1 or v2). */
export interface Xrd {
  name: string;
  apiVersion: string;
  group: string;
  names: { kind: string; plural: string };
  /** v1 claims (and v2 LegacyCluster XRDs). */
  claimNames: { kind: string; plural: string } | undefined;
  /** v1 XRDs behave as LegacyCluster; v2 defaults to Namespaced. */
  scope: 'Namespaced' | 'Cluster' | 'LegacyCluster';
  versions: XrdVersion[];
  defaultCompositionRef: ObjectRef | undefined;
  enforcedCompositionRef: ObjectRef | undefined;
  defaultCompositionUpdatePolicy: string | undefined;
  /** Where the XR keeps compositionRef & co: top of `spec` (legacy) or `spec.crossplane` (v2). */
  crossplaneFieldsAt: 'spec' | 'spec.crossplane';
}

export interface PipelineStep {
  step: string;
  functionName: string;
  input: Record<string, unknown> | undefined;
}

/** A Composition: `mode: Pipeline` steps or legacy `mode: Resources` templates. */
export interface Composition {
  name: string;
  labels: Record<string, string>;
  compositeTypeRef: { apiVersion: string; kind: string };
  mode: 'Pipeline' | 'Resources';
  pipeline: PipelineStep[];
  /** Legacy `spec.resources`. */
  resources: unknown[];
  /** Legacy `spec.patchSets`. */
  patchSets: unknown[];
  /** Legacy `spec.environment` (its `patches` run like a P&T input's). */
  environment: Record<string, unknown> | undefined;
}

export function isXrdObject(object: unknown): boolean {
  return (
    isRecord(object) &&
    object.kind === 'CompositeResourceDefinition' &&
    typeof object.apiVersion === 'string' &&
    splitApiVersion(object.apiVersion).group === XRD_GROUP
  );
}

export function isCompositionObject(object: unknown): boolean {
  return (
    isRecord(object) &&
    object.kind === 'Composition' &&
    typeof object.apiVersion === 'string' &&
    splitApiVersion(object.apiVersion).group === XRD_GROUP
  );
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function ref(value: unknown): ObjectRef | undefined {
  return isRecord(value) && str(value.name) ? { name: value.name as string } : undefined;
}

function metadataName(object: Record<string, unknown>): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = str(metadata.name);
  if (!name) throw new CrossplaneModelError(`${String(object.kind)} has no metadata.name`);
  return name;
}

/** Parses a CompositeResourceDefinition. Throws CrossplaneModelError when required fields are missing. */
export function parseXrd(object: Record<string, unknown>): Xrd {
  const name = metadataName(object);
  const apiVersion = String(object.apiVersion);
  const spec = isRecord(object.spec) ? object.spec : {};
  const group = str(spec.group);
  const names = isRecord(spec.names) ? spec.names : undefined;
  if (!group || !names || !str(names.kind)) {
    throw new CrossplaneModelError(`XRD ${name}: spec.group and spec.names.kind are required`);
  }
  const isV1 = splitApiVersion(apiVersion).version === 'v1';
  const scopeRaw = str(spec.scope);
  const scope = isV1
    ? 'LegacyCluster'
    : scopeRaw === 'Cluster' || scopeRaw === 'LegacyCluster'
      ? scopeRaw
      : 'Namespaced';
  const claimNamesRaw = isRecord(spec.claimNames) ? spec.claimNames : undefined;
  const claimNames =
    claimNamesRaw && str(claimNamesRaw.kind) && scope === 'LegacyCluster'
      ? { kind: claimNamesRaw.kind as string, plural: str(claimNamesRaw.plural) ?? '' }
      : undefined;
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord).map(
    (v): XrdVersion => ({
      name: String(v.name ?? ''),
      served: v.served === true,
      referenceable: v.referenceable === true,
      schema: isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined,
    }),
  );
  if (versions.length === 0) throw new CrossplaneModelError(`XRD ${name}: spec.versions is empty`);
  return {
    name,
    apiVersion,
    group,
    names: { kind: names.kind as string, plural: str(names.plural) ?? '' },
    claimNames,
    scope,
    versions,
    defaultCompositionRef: ref(spec.defaultCompositionRef),
    enforcedCompositionRef: ref(spec.enforcedCompositionRef),
    defaultCompositionUpdatePolicy: str(spec.defaultCompositionUpdatePolicy),
    crossplaneFieldsAt: scope === 'LegacyCluster' ? 'spec' : 'spec.crossplane',
  };
}

/** The version XRs are created at: the referenceable one, else the first served one. */
export function referenceableVersion(xrd: Xrd): XrdVersion {
  return xrd.versions.find((v) => v.referenceable) ?? xrd.versions.find((v) => v.served) ?? xrd.versions[0]!;
}

/** Parses a Composition. Throws CrossplaneModelError when required fields are missing. */
export function parseComposition(object: Record<string, unknown>): Composition {
  const name = metadataName(object);
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const spec = isRecord(object.spec) ? object.spec : {};
  const typeRef = isRecord(spec.compositeTypeRef) ? spec.compositeTypeRef : undefined;
  if (!typeRef || !str(typeRef.apiVersion) || !str(typeRef.kind)) {
    throw new CrossplaneModelError(
      `Composition ${name}: spec.compositeTypeRef.apiVersion and kind are required`,
    );
  }
  const modeRaw = str(spec.mode);
  const mode =
    modeRaw === 'Pipeline' || (!modeRaw && Array.isArray(spec.pipeline)) ? 'Pipeline' : 'Resources';
  const pipeline = (Array.isArray(spec.pipeline) ? spec.pipeline : []).filter(isRecord).map(
    (s, index): PipelineStep => ({
      step: str(s.step) ?? `step-${index}`,
      functionName: isRecord(s.functionRef) ? (str(s.functionRef.name) ?? '') : '',
      input: isRecord(s.input) ? s.input : undefined,
    }),
  );
  if (mode === 'Pipeline' && pipeline.length === 0) {
    throw new CrossplaneModelError(`Composition ${name}: mode Pipeline needs spec.pipeline steps`);
  }
  return {
    name,
    labels: stringMap(metadata.labels),
    compositeTypeRef: { apiVersion: typeRef.apiVersion as string, kind: typeRef.kind as string },
    mode,
    pipeline,
    resources: Array.isArray(spec.resources) ? spec.resources : [],
    patchSets: Array.isArray(spec.patchSets) ? spec.patchSets : [],
    environment: isRecord(spec.environment) ? spec.environment : undefined,
  };
}

/** A claim (v1) or composite resource found in the repository. */
export interface CompositeInstance {
  role: 'claim' | 'composite';
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  name: string;
  namespace: string | undefined;
  compositionRef: ObjectRef | undefined;
  compositionSelector: { matchLabels: Record<string, string> } | undefined;
  compositionRevisionRef: ObjectRef | undefined;
  compositionRevisionSelector: { matchLabels: Record<string, string> } | undefined;
  compositionUpdatePolicy: string | undefined;
  writeConnectionSecretToRef: { name: string; namespace?: string } | undefined;
}

/**
 * Reads the Crossplane fields of a claim or XR: v1 claims and legacy XRs carry them at the top of
 * `spec`, v2 XRs under `spec.crossplane`.
 */
export function parseCompositeInstance(object: Record<string, unknown>, xrd: Xrd): CompositeInstance {
  const apiVersion = String(object.apiVersion ?? '');
  const { group, version } = splitApiVersion(apiVersion);
  const kind = String(object.kind ?? '');
  const role = xrd.claimNames && kind === xrd.claimNames.kind ? 'claim' : 'composite';
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const spec = isRecord(object.spec) ? object.spec : {};
  const fields =
    role === 'composite' && xrd.crossplaneFieldsAt === 'spec.crossplane'
      ? isRecord(spec.crossplane)
        ? spec.crossplane
        : {}
      : spec;
  const selector = (value: unknown) =>
    isRecord(value) && isRecord(value.matchLabels)
      ? { matchLabels: stringMap(value.matchLabels) }
      : undefined;
  const secretRef = isRecord(fields.writeConnectionSecretToRef)
    ? fields.writeConnectionSecretToRef
    : undefined;
  return {
    role,
    apiVersion,
    kind,
    group,
    version,
    name: str(metadata.name) ?? '',
    namespace: str(metadata.namespace),
    compositionRef: ref(fields.compositionRef),
    compositionSelector: selector(fields.compositionSelector),
    compositionRevisionRef: ref(fields.compositionRevisionRef),
    compositionRevisionSelector: selector(fields.compositionRevisionSelector),
    compositionUpdatePolicy: str(fields.compositionUpdatePolicy),
    writeConnectionSecretToRef:
      secretRef && str(secretRef.name)
        ? {
            name: secretRef.name as string,
            ...(str(secretRef.namespace) ? { namespace: secretRef.namespace as string } : {}),
          }
        : undefined,
  };
}
