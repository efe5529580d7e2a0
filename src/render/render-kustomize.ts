import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { stringify } from 'yaml';
import type { Application, ApplicationSource, KustomizeSource } from '../gitops/application.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { assertTreeInsideRoot } from './assert-inside-root.ts';
import { assertKustomizeSafe } from './kustomize-safety.ts';
import { parseRenderedObjects } from './parse-rendered-objects.ts';
import type { RenderContext } from './render-context.ts';
import { runTool } from './run-tool.ts';
import { toRenderError } from './to-render-error.ts';

/** `name=newName:tag`, `name:tag`, `name@digest` (Argo CD's `kustomize.images` forms) → a kustomize images entry. */
export function parseKustomizeImage(spec: string): Record<string, string> {
  const [name, override] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [undefined, spec];
  const entry: Record<string, string> = {};
  let rest = override;
  const at = rest.indexOf('@');
  if (at !== -1) {
    entry.digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  let image = rest;
  if (colon > rest.lastIndexOf('/')) {
    entry.newTag = rest.slice(colon + 1);
    image = rest.slice(0, colon);
  }
  if (name !== undefined) {
    entry.name = name;
    if (image !== name) entry.newName = image;
  } else {
    entry.name = image;
  }
  return entry;
}

function hasOverrides(k: KustomizeSource | undefined): k is KustomizeSource {
  if (!k) return false;
  return Boolean(
    k.namePrefix ||
      k.nameSuffix ||
      k.images?.length ||
      (k.commonLabels && Object.keys(k.commonLabels).length) ||
      (k.commonAnnotations && Object.keys(k.commonAnnotations).length) ||
      k.namespace ||
      k.replicas?.length ||
      k.patches?.length ||
      k.components?.length,
  );
}

/**
 * The Application's `kustomize` block as a wrapper kustomization layered over the app's own — Argo CD
 * edits the app's kustomization in place; a wrapper gives the same result without touching the checkout
 * shared by parallel renders. (Difference: an existing namePrefix in the app is prefixed, not replaced.)
 */
function wrapperKustomization(appPath: string, depth: number, k: KustomizeSource): Record<string, unknown> {
  const up = '../'.repeat(depth);
  const fromWrapper = (p: string) => posix.normalize(`${up}${appPath}/${p}`);
  const out: Record<string, unknown> = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.normalize(`${up}${appPath}`)],
  };
  if (k.namePrefix) out.namePrefix = k.namePrefix;
  if (k.nameSuffix) out.nameSuffix = k.nameSuffix;
  if (k.namespace) out.namespace = k.namespace;
  if (k.images?.length) out.images = k.images.map(parseKustomizeImage);
  if (k.commonLabels && Object.keys(k.commonLabels).length) {
    out.labels = [{ pairs: k.commonLabels, includeSelectors: !k.labelWithoutSelector }];
  }
  if (k.commonAnnotations && Object.keys(k.commonAnnotations).length)
    out.commonAnnotations = k.commonAnnotations;
  if (k.replicas?.length) out.replicas = k.replicas.map((r) => ({ name: r.name, count: Number(r.count) }));
  if (k.patches?.length) {
    out.patches = k.patches.map((p) =>
      typeof p.path === 'string' ? { ...p, path: fromWrapper(p.path) } : p,
    );
  }
  if (k.components?.length) out.components = k.components.map(fromWrapper);
  return out;
}

export async function renderKustomize(
  app: Application,
  source: ApplicationSource,
  ctx: RenderContext,
): Promise<KubeObject[]> {
  const path = posix.normalize(source.path ?? '.');
  const label = `application ${app.name}`;
  await assertTreeInsideRoot(ctx.root, path, label);
  await assertKustomizeSafe(ctx.root, path, ctx.allowedRemotes, label);
  for (const component of source.kustomize?.components ?? []) {
    await assertKustomizeSafe(ctx.root, posix.join(path, component), ctx.allowedRemotes, label);
  }
  let target = join(ctx.root, path);
  let wrapperDir: string | undefined;
  if (hasOverrides(source.kustomize)) {
    // Inside the checkout, so the load restrictor lets the wrapper reach the app dir as a resource.
    const wrapperRel = `.mergeplane-render/${randomUUID()}`;
    wrapperDir = join(ctx.root, wrapperRel);
    await mkdir(wrapperDir, { recursive: true });
    const depth = wrapperRel.split('/').length;
    await writeFile(
      join(wrapperDir, 'kustomization.yaml'),
      stringify(wrapperKustomization(path === '.' ? '' : path, depth, source.kustomize)),
    );
    target = wrapperDir;
  }
  try {
    const { stdout } = await runTool({
      command: ctx.tools.kubectl,
      args: ['kustomize', target],
      cwd: ctx.root,
      timeoutMs: ctx.timeoutMs,
      maxOutputBytes: ctx.maxOutputBytes,
    });
    return parseRenderedObjects(stdout, { label: `${label}: kustomize output of ${path}` });
  } catch (error) {
    throw toRenderError(error, `${label}: kustomize build ${path} failed`, [ctx.root]);
  } finally {
    if (wrapperDir) await rm(wrapperDir, { recursive: true, force: true });
  }
}
