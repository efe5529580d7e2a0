import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationSource } from '../gitops/application.ts';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The tool Argo CD's repo-server would use: an explicit block wins, then Chart.yaml, then a kustomization. */
export function detectSourceType(
  source: ApplicationSource,
  root: string,
): 'directory' | 'kustomize' | 'helm' | 'plugin' {
  if (source.plugin !== undefined) return 'plugin';
  if (source.helm !== undefined || source.chart !== undefined) return 'helm';
  if (source.kustomize !== undefined) return 'kustomize';
  if (source.directory !== undefined) return 'directory';
  const dir = join(root, source.path ?? '');
  if (existsSync(join(dir, 'Chart.yaml'))) return 'helm';
  if (KUSTOMIZATION_FILES.some((name) => existsSync(join(dir, name)))) return 'kustomize';
  return 'directory';
}

export function kustomizationFile(dir: string): string | undefined {
  const name = KUSTOMIZATION_FILES.find((n) => existsSync(join(dir, n)));
  return name === undefined ? undefined : join(dir, name);
}
