/** One API resource the fake server serves, as a CRD or a built-in would declare it. */
export interface FakeKubeResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Status subresource (writes to the main resource ignore `.status`). Default true for CRDs. */
  hasStatus?: boolean;
  /** Whether `metadata.generation` is maintained. Default true (Secrets/ConfigMaps/Namespaces have none). */
  generation?: boolean;
  /** PUT without `metadata.resourceVersion` allowed (core types); CRDs require it, as the real server does. */
  allowUnconditionalUpdate?: boolean;
  singular?: string;
  shortNames?: string[];
}

/** A type with every optional flag resolved. */
export interface ResolvedResourceType extends Required<Omit<FakeKubeResourceType, 'shortNames'>> {
  shortNames: string[];
  apiVersion: string;
  /** `plural` or `plural.group`, the way the real server names resources in error messages. */
  qualifiedName: string;
}

/**
 * Argo CD's Application CRD has no status subresource: the controller writes status through the main
 * resource, so status changes bump `metadata.generation` there too (argoproj/argo-cd#22967).
 */
export const builtinResourceTypes: readonly FakeKubeResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    hasStatus: true,
    generation: false,
    allowUnconditionalUpdate: true,
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    hasStatus: false,
    generation: false,
    allowUnconditionalUpdate: true,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    hasStatus: false,
    generation: false,
    allowUnconditionalUpdate: true,
    shortNames: ['cm'],
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    plural: 'applications',
    namespaced: true,
    hasStatus: false,
    shortNames: ['app', 'apps'],
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'ApplicationSet',
    plural: 'applicationsets',
    namespaced: true,
    hasStatus: false,
    shortNames: ['appset', 'appsets'],
  },
];

export function resolveResourceType(type: FakeKubeResourceType): ResolvedResourceType {
  const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
  return {
    group: type.group,
    version: type.version,
    kind: type.kind,
    plural: type.plural,
    namespaced: type.namespaced,
    hasStatus: type.hasStatus ?? true,
    generation: type.generation ?? true,
    allowUnconditionalUpdate: type.allowUnconditionalUpdate ?? false,
    singular: type.singular ?? type.kind.toLowerCase(),
    shortNames: type.shortNames ?? [],
    apiVersion,
    qualifiedName: type.group === '' ? type.plural : `${type.plural}.${type.group}`,
  };
}

/** The set of served types, looked up by URL (group/version/plural) or by object (apiVersion/kind). */
export class ResourceTypeRegistry {
  readonly #types: ResolvedResourceType[] = [];

  constructor(types: readonly FakeKubeResourceType[]) {
    for (const type of types) this.add(type);
  }

  /** Later definitions of the same group/version/kind replace earlier ones. */
  add(type: FakeKubeResourceType): ResolvedResourceType {
    const resolved = resolveResourceType(type);
    const index = this.#types.findIndex(
      (t) =>
        t.apiVersion === resolved.apiVersion && (t.kind === resolved.kind || t.plural === resolved.plural),
    );
    if (index === -1) this.#types.push(resolved);
    else this.#types[index] = resolved;
    return resolved;
  }

  all(): readonly ResolvedResourceType[] {
    return this.#types;
  }

  byPlural(group: string, version: string, plural: string): ResolvedResourceType | undefined {
    return this.#types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResolvedResourceType | undefined {
    return this.#types.find((t) => t.apiVersion === apiVersion && t.kind === kind);
  }

  groupVersions(group: string): string[] {
    return [...new Set(this.#types.filter((t) => t.group === group).map((t) => t.version))];
  }

  groups(): string[] {
    return [...new Set(this.#types.map((t) => t.group).filter((g) => g !== ''))];
  }
}
