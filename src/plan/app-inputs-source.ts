import { type AppInputs, collectAppInputsFromTree } from '../gitops/app-inputs.ts';
import type { Application } from '../gitops/application.ts';
import type { IsLocalSource } from '../gitops/local-source.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { DependencyDepth, RevisionTree } from '../model/revision-tree.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import { frozenStringify } from './stable-stringify.ts';

/** An app's inputs at one revision, and the symlinks its collection passed (the render must meet them too). */
export interface CollectedAppInputs {
  inputs: AppInputs;
  /** Links looked at, including ones leading out of the tree: written with the inputs, so the render refuses them by name. */
  links: string[];
}

/** Collected inputs with the dependency keys they were collected under. */
interface CachedInputs extends CollectedAppInputs {
  dependencies: [path: string, depth: DependencyDepth, key: string][];
}

const keys = new WeakMap<object, Map<string, string>>();

/**
 * An app's cache key: its definition and which of its sources are local. Kept per definition object, since a
 * key built anew is a new string of the whole definition for every app of every plan.
 */
function keyOf(app: Application, isLocal: IsLocalSource): string {
  const local = app.sources.map((s) => (isLocal(s) ? '1' : '0')).join('');
  let byLocal = keys.get(app.manifest);
  if (!byLocal) {
    byLocal = new Map();
    keys.set(app.manifest, byLocal);
  }
  let key = byLocal.get(local);
  if (key === undefined) {
    key = `${frozenStringify(app.manifest)}|${local}`;
    byLocal.set(local, key);
  }
  return key;
}

/** Variants kept per app definition: its base and head, and the previous push's. */
const INPUT_VARIANTS = 4;

/**
 * App inputs, reused across plans while every path they were read from is unchanged: a kustomization's content,
 * a directory's tree id, a path's kind. Only content-addressed trees are cached (their keys mean the same in
 * every tree); an app's cache key is its definition (its sources and trigger paths come from it, and an unchanged
 * file gives the same object from plan to plan, so the key is computed once) and which of its sources are local.
 */
export function createInputsSource(o: {
  isLocal: IsLocalSource;
  yamlCache: YamlCache;
  caches: PlanCaches | undefined;
}): (tree: RevisionTree, app: Application) => Promise<CollectedAppInputs> {
  const cache = o.caches?.derivedCache<CachedInputs[]>('app-inputs');
  return async (tree, app) => {
    const cacheKey = cache && tree.contentAddressed ? keyOf(app, o.isLocal) : undefined;
    const variants = cacheKey === undefined ? undefined : cache?.get(cacheKey);
    const valid = variants?.find((v) =>
      v.dependencies.every(([path, depth, key]) => tree.hasDependencyKey(path, depth, key)),
    );
    if (valid) return valid;
    const collected = await collectAppInputsFromTree(app, tree, {
      isLocal: o.isLocal,
      yamlCache: o.yamlCache,
    });
    const links = [...collected.dependencies.keys()].filter((path) => tree.entry(path)?.kind === 'symlink');
    const result: CollectedAppInputs = { inputs: collected.inputs, links };
    if (cacheKey !== undefined && cache) {
      const dependencies = [...collected.dependencies].map(
        ([path, depth]): CachedInputs['dependencies'][number] => [
          path,
          depth,
          tree.dependencyKey(path, depth),
        ],
      );
      cache.set(cacheKey, [{ ...result, dependencies }, ...(variants ?? []).slice(0, INPUT_VARIANTS - 1)]);
    }
    return result;
  };
}
