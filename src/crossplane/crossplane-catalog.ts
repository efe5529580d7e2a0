import { isRecord, splitApiVersion } from '../model/kube-object.ts';
import {
  type CompositeInstance,
  type Composition,
  CrossplaneModelError,
  isCompositionObject,
  isXrdObject,
  parseCompositeInstance,
  parseComposition,
  parseXrd,
  type Xrd,
} from './crossplane-model.ts';

export interface SourcedObject {
  object: Record<string, unknown>;
  file?: string;
  line?: number;
  /** Line of a field of the object in `file` (dotted path with `[n]` indexes). */
  lineOf?: (path: string) => number | undefined;
}

export interface Sourced<T> {
  value: T;
  object: Record<string, unknown>;
  file?: string;
  line?: number;
  lineOf?: (path: string) => number | undefined;
}

export interface CatalogError {
  message: string;
  file?: string;
  line?: number;
}

/** Everything Crossplane-related found in a set of manifests. */
export interface CrossplaneCatalog {
  xrds: Sourced<Xrd>[];
  compositions: Sourced<Composition>[];
  /** Claims and XRs whose group/kind matches an XRD, with that XRD. */
  instances: (Sourced<CompositeInstance> & { xrd: Xrd })[];
  /** Key `group/Kind` of a claim kind. */
  xrdByClaimKind: Map<string, Xrd>;
  /** Key `group/Kind` of a composite kind. */
  xrdByCompositeKind: Map<string, Xrd>;
  /** Key `apiVersion/Kind` of a compositeTypeRef (`example.org/v1alpha1/XDatabase`). */
  compositionsByType: Map<string, Composition[]>;
  /** XRDs and Compositions that could not be parsed. */
  errors: CatalogError[];
}

export const groupKindKey = (group: string, kind: string): string => `${group}/${kind}`;
export const typeRefKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;

const source = (o: SourcedObject) => ({
  ...(o.file !== undefined ? { file: o.file } : {}),
  ...(o.line !== undefined ? { line: o.line } : {}),
  ...(o.lineOf !== undefined ? { lineOf: o.lineOf } : {}),
});

/** Indexes XRDs, Compositions and the claims/XRs they define. Never throws for bad input. */
export function buildCatalog(objects: readonly SourcedObject[]): CrossplaneCatalog {
  const catalog: CrossplaneCatalog = {
    xrds: [],
    compositions: [],
    instances: [],
    xrdByClaimKind: new Map(),
    xrdByCompositeKind: new Map(),
    compositionsByType: new Map(),
    errors: [],
  };
  const rest: SourcedObject[] = [];
  for (const o of objects) {
    if (!isRecord(o.object)) continue;
    try {
      if (isXrdObject(o.object)) {
        const xrd = parseXrd(o.object);
        catalog.xrds.push({ value: xrd, object: o.object, ...source(o) });
        catalog.xrdByCompositeKind.set(groupKindKey(xrd.group, xrd.names.kind), xrd);
        if (xrd.claimNames) catalog.xrdByClaimKind.set(groupKindKey(xrd.group, xrd.claimNames.kind), xrd);
      } else if (isCompositionObject(o.object)) {
        const composition = parseComposition(o.object);
        catalog.compositions.push({ value: composition, object: o.object, ...source(o) });
        const key = typeRefKey(composition.compositeTypeRef.apiVersion, composition.compositeTypeRef.kind);
        catalog.compositionsByType.set(key, [...(catalog.compositionsByType.get(key) ?? []), composition]);
      } else {
        rest.push(o);
      }
    } catch (error) {
      if (!(error instanceof CrossplaneModelError)) throw error;
      catalog.errors.push({ message: error.message, ...source(o) });
    }
  }
  for (const o of rest) {
    const xrd = findXrd(catalog, o.object);
    if (!xrd) continue;
    catalog.instances.push({
      value: parseCompositeInstance(o.object, xrd),
      object: o.object,
      xrd,
      ...source(o),
    });
  }
  return catalog;
}

/** The XRD defining an object's kind as a claim or a composite, if any. */
export function findXrd(catalog: CrossplaneCatalog, object: Record<string, unknown>): Xrd | undefined {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return undefined;
  const key = groupKindKey(splitApiVersion(object.apiVersion).group, object.kind);
  return catalog.xrdByClaimKind.get(key) ?? catalog.xrdByCompositeKind.get(key);
}

/** Every Composition in the catalog, for selection. */
export function allCompositions(catalog: CrossplaneCatalog): Composition[] {
  return catalog.compositions.map((c) => c.value);
}
