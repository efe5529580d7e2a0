import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ApplicationSource } from '../gitops/application.ts';
import { isRecord } from '../model/kube-object.ts';
import type { RevisionTree } from '../model/revision-tree.ts';
import { RepoFiles } from './repo-files.ts';

export type DetectedSourceType = 'directory' | 'kustomize' | 'helm' | 'plugin';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The kustomization file in an absolute directory, if any. */
export function kustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Argo CD counts a tool block only when some field is set (`helm: {}` is no block). */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.values(value).some(isSet);
  return true;
}

/** The explicit tool blocks a source sets, in Argo CD's order. */
export function explicitSourceTypes(source: ApplicationSource): DetectedSourceType[] {
  const out: DetectedSourceType[] = [];
  // A plugin block selects a plugin even when empty (discovery by the sidecar), as in Argo CD.
  if (source.plugin !== undefined && source.plugin !== null) out.push('plugin');
  if (isSet(source.helm)) out.push('helm');
  if (isSet(source.kustomize)) out.push('kustomize');
  if (isSet(source.directory)) out.push('directory');
  return out;
}

/**
 * The tool Argo CD's repo-server would use for a source with a path: an explicit block wins; otherwise a
 * `*Chart.yaml` in the path means Helm and a kustomization file means Kustomize — both present is Kustomize,
 * since Argo CD's discovery walks names in order and the later match wins; else a plain directory.
 */
export function detectSourceType(source: ApplicationSource, root: string): DetectedSourceType {
  const explicit = explicitSourceTypes(source)[0];
  if (explicit) return explicit;
  if (source.path === undefined && source.chart !== undefined) return 'helm';
  const rel = RepoFiles.join('.', source.path ?? '.');
  if (rel === undefined) return 'directory';
  let names: string[];
  try {
    // Never list a directory outside the checkout (a linked app path); the render refuses that path anyway.
    const realRoot = realpathSync(root);
    const real = realpathSync(rel === '.' ? root : join(root, ...rel.split('/')));
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return 'directory';
    names = readdirSync(real);
  } catch {
    return 'directory';
  }
  return typeFromNames(names);
}

function typeFromNames(names: readonly string[]): DetectedSourceType {
  if (names.some((n) => KUSTOMIZATION_FILES.includes(n))) return 'kustomize';
  if (names.some((n) => n.endsWith('Chart.yaml'))) return 'helm';
  return 'directory';
}

/** `detectSourceType` over a revision tree (no checkout): the same rules, the source directory listed from the tree. */
export async function detectTreeSourceType(
  source: ApplicationSource,
  tree: RevisionTree,
): Promise<DetectedSourceType> {
  const explicit = explicitSourceTypes(source)[0];
  if (explicit) return explicit;
  if (source.path === undefined && source.chart !== undefined) return 'helm';
  const rel = RepoFiles.join('.', source.path ?? '.');
  if (rel === undefined) return 'directory';
  const resolved = await tree.resolve(rel);
  if (resolved.kind !== 'dir') return 'directory';
  return typeFromNames(tree.childNames(resolved.real) ?? []);
}
