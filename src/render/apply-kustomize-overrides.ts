import type { KustomizeSource } from '../gitops/application.ts';
import { isRecord } from '../model/kube-object.ts';

export class KustomizeOverrideError extends Error {
  override readonly name = 'KustomizeOverrideError';
}

interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** Splits `image[:tag][@digest]`, minding a registry port (`host:5000/app:1.0`). */
function splitImage(text: string): { name: string; tag?: string; digest?: string } {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Parses an Argo CD `kustomize.images` entry the way `kustomize edit set image` does. */
export function parseImageOverride(text: string): ImageEntry {
  const eq = text.indexOf('=');
  if (eq !== -1) {
    const name = text.slice(0, eq);
    const target = splitImage(text.slice(eq + 1));
    if (name === '' || target.name === '')
      throw new KustomizeOverrideError(`invalid image override "${text}"`);
    const entry: ImageEntry = { name, newName: target.name };
    if (target.tag !== undefined) entry.newTag = target.tag;
    if (target.digest !== undefined) entry.digest = target.digest;
    return entry;
  }
  const image = splitImage(text);
  if (image.name === '') throw new KustomizeOverrideError(`invalid image override "${text}"`);
  const entry: ImageEntry = { name: image.name };
  if (image.tag !== undefined) entry.newTag = image.tag;
  if (image.digest !== undefined) entry.digest = image.digest;
  return entry;
}

function mergeImage(existing: Record<string, unknown>, update: ImageEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  if (update.newName !== undefined) out.newName = update.newName;
  if (update.newTag !== undefined) {
    out.newTag = update.newTag;
    delete out.digest;
  }
  if (update.digest !== undefined) {
    out.digest = update.digest;
    delete out.newTag;
  }
  return out;
}

function addPairs(
  kustomization: Record<string, unknown>,
  field: 'commonLabels' | 'commonAnnotations',
  pairs: Record<string, string>,
  force: boolean,
): void {
  const current = isRecord(kustomization[field]) ? { ...kustomization[field] } : {};
  for (const [key, value] of Object.entries(pairs)) {
    if (key in current && !force) {
      const what = field === 'commonLabels' ? 'label' : 'annotation';
      throw new KustomizeOverrideError(
        `${what} ${key} already in kustomization file (set force${field[0]!.toUpperCase()}${field.slice(1)} to override)`,
      );
    }
    current[key] = value;
  }
  kustomization[field] = current;
}

/**
 * Applies an Application's `kustomize` block to a copy of the app's kustomization the way Argo CD does with
 * `kustomize edit` on its working copy: prefix/suffix, images, labels, annotations, namespace, replicas and
 * components are set or merged; patches are appended.
 */
export function applyKustomizeOverrides(
  original: Record<string, unknown>,
  options: KustomizeSource,
): Record<string, unknown> {
  const k: Record<string, unknown> = structuredClone(original);
  if (options.namePrefix) k.namePrefix = options.namePrefix;
  if (options.nameSuffix) k.nameSuffix = options.nameSuffix;
  if (options.images && options.images.length > 0) {
    const images = Array.isArray(k.images) ? k.images.filter(isRecord).map((i) => ({ ...i })) : [];
    for (const text of options.images) {
      const update = parseImageOverride(text);
      const index = images.findIndex((i) => i.name === update.name);
      if (index === -1) images.push(mergeImage({ name: update.name }, update));
      else images[index] = mergeImage(images[index]!, update);
    }
    k.images = images;
  }
  if (options.commonLabels && Object.keys(options.commonLabels).length > 0) {
    const pairs = Object.fromEntries(Object.entries(options.commonLabels).map(([a, b]) => [a, String(b)]));
    if (options.labelWithoutSelector) {
      const labels = Array.isArray(k.labels) ? [...k.labels] : [];
      labels.push({ pairs, includeSelectors: false });
      k.labels = labels;
    } else {
      addPairs(k, 'commonLabels', pairs, options.forceCommonLabels === true);
    }
  }
  if (options.commonAnnotations && Object.keys(options.commonAnnotations).length > 0) {
    const pairs = Object.fromEntries(
      Object.entries(options.commonAnnotations).map(([a, b]) => [a, String(b)]),
    );
    addPairs(k, 'commonAnnotations', pairs, options.forceCommonAnnotations === true);
  }
  if (options.namespace) k.namespace = options.namespace;
  if (options.replicas && options.replicas.length > 0) {
    const replicas = Array.isArray(k.replicas) ? k.replicas.filter(isRecord).map((r) => ({ ...r })) : [];
    for (const { name, count } of options.replicas) {
      const n = typeof count === 'number' ? count : Number.parseInt(String(count), 10);
      if (!Number.isInteger(n) || String(n) !== String(count).trim()) {
        throw new KustomizeOverrideError(`replicas for ${name}: "${count}" is not an integer`);
      }
      const index = replicas.findIndex((r) => r.name === name);
      if (index === -1) replicas.push({ name, count: n });
      else replicas[index] = { ...replicas[index], count: n };
    }
    k.replicas = replicas;
  }
  if (options.patches && options.patches.length > 0) {
    k.patches = [...(Array.isArray(k.patches) ? k.patches : []), ...options.patches];
  }
  if (options.components && options.components.length > 0) {
    const components = Array.isArray(k.components) ? [...k.components] : [];
    for (const component of options.components)
      if (!components.includes(component)) components.push(component);
    k.components = components;
  }
  return k;
}

export function hasKustomizeOverrides(options: KustomizeSource | undefined): boolean {
  if (!options) return false;
  return Boolean(
    options.namePrefix ||
      options.nameSuffix ||
      options.namespace ||
      (options.images?.length ?? 0) > 0 ||
      Object.keys(options.commonLabels ?? {}).length > 0 ||
      Object.keys(options.commonAnnotations ?? {}).length > 0 ||
      (options.replicas?.length ?? 0) > 0 ||
      (options.patches?.length ?? 0) > 0 ||
      (options.components?.length ?? 0) > 0,
  );
}
