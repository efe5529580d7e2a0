/**
 * Builders for the Crossplane objects the tests keep writing: XRDs, Compositions with a
 * function-patch-and-transform step, and claims (or XRs). They return plain manifests, as parsed YAML would.
 */
type Manifest = Record<string, unknown>;

export interface TypeRef {
  apiVersion: string;
  kind: string;
}

/** `{ type: object, properties }`. */
export function objectSchema(properties: Manifest): Manifest {
  return { type: 'object', properties };
}

/** An openAPIV3Schema whose only property is `spec`, an object with `properties`. */
export function specSchema(properties: Manifest): Manifest {
  return objectSchema({ spec: objectSchema(properties) });
}

/** An openAPIV3Schema of `spec.parameters`, an object with `properties`. */
export function parametersSchema(properties: Manifest): Manifest {
  return specSchema({ parameters: objectSchema(properties) });
}

/** A served, referenceable XRD version, with `schema` as its openAPIV3Schema when given. */
export function xrdVersion(name: string, schema?: Manifest): Manifest {
  return {
    name,
    served: true,
    referenceable: true,
    ...(schema ? { schema: { openAPIV3Schema: schema } } : {}),
  };
}

export interface XrdOptions {
  group: string;
  kind: string;
  plural: string;
  /** Adds `claimNames`, whose plural is the lowercased kind plus `s`. */
  claimKind?: string;
  /** Defaults to `<plural>.<group>`. */
  name?: string;
  /** Defaults to `apiextensions.crossplane.io/v1`. */
  apiVersion?: string;
  /** The single version, `v1` unless given, with `schema` as its openAPIV3Schema. */
  version?: string;
  schema?: Manifest;
  /** All versions, instead of `version` and `schema`. */
  versions?: Manifest[];
  /** Further spec fields, such as `defaultCompositionRef`. */
  spec?: Manifest;
}

export function xrd(options: XrdOptions): Manifest {
  const { group, kind, plural, claimKind } = options;
  return {
    apiVersion: options.apiVersion ?? 'apiextensions.crossplane.io/v1',
    kind: 'CompositeResourceDefinition',
    metadata: { name: options.name ?? `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural },
      ...(claimKind ? { claimNames: { kind: claimKind, plural: `${claimKind.toLowerCase()}s` } } : {}),
      ...options.spec,
      versions: options.versions ?? [xrdVersion(options.version ?? 'v1', options.schema)],
    },
  };
}

export interface CompositionOptions {
  name: string;
  compositeType: TypeRef;
  pipeline: Manifest[];
  labels?: Record<string, string>;
}

/** A Pipeline-mode Composition running `pipeline`. */
export function pipelineComposition({ name, compositeType, pipeline, labels }: CompositionOptions): Manifest {
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { compositeTypeRef: compositeType, mode: 'Pipeline', pipeline },
  };
}

export interface PtStepOptions {
  /** The step name, `pt` unless given. */
  step?: string;
  resources: Manifest[];
  /** Further input fields, such as `patchSets`. */
  input?: Manifest;
}

/** A function-patch-and-transform pipeline step composing `resources`. */
export function ptStep({ step = 'pt', resources, input = {} }: PtStepOptions): Manifest {
  return {
    step,
    functionRef: { name: 'function-patch-and-transform' },
    input: { apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Resources', ...input, resources },
  };
}

/** A Composition whose pipeline is a single function-patch-and-transform step. */
export function ptComposition(options: Omit<CompositionOptions, 'pipeline'> & PtStepOptions): Manifest {
  const { name, compositeType, labels, ...step } = options;
  return pipelineComposition({ name, compositeType, labels, pipeline: [ptStep(step)] });
}

export interface ClaimOptions extends TypeRef {
  name: string;
  namespace?: string;
  spec?: Manifest;
}

/** A claim or XR of an XRD-defined kind. */
export function claim({ apiVersion, kind, name, namespace, spec }: ClaimOptions): Manifest {
  return {
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(spec ? { spec } : {}),
  };
}
