import { type PlanChangeOptions, planChange } from '../../src/engine/plan-change.ts';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { createGitFixture, type GitFixture, type TreeSpec } from '../support/git-fixture.ts';

export const ORIGIN = 'https://github.com/acme/gitops.git';

/**
 * Plans `base` → `head` of a small repository of its own. Conformance cases hold one Argo CD behaviour
 * each; their expectations are written from Argo CD's documentation, never captured from this output.
 */
export async function planRepo(
  base: TreeSpec,
  head: TreeSpec,
  options: Pick<PlanChangeOptions, 'env' | 'sourceDirs'> & { beforeChange?: (repo: GitFixture) => void } = {},
): Promise<PlanReport> {
  const repo = createGitFixture({ origin: ORIGIN });
  try {
    repo.commit(base, 'base');
    options.beforeChange?.(repo);
    repo.git('checkout', '-q', '-b', 'change');
    repo.commit(head, 'head');
    const { beforeChange: _hook, ...plan } = options;
    return await planChange({ repoDir: repo.dir, base: 'main', head: 'change', cacheDir: false, ...plan });
  } finally {
    repo.cleanup();
  }
}

export const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${JSON.stringify(value)}\n`;

/**
 * An Application in `argocd` with one source, deploying to the in-cluster namespace `namespace` (default: the
 * app's name); `source` holds the source's scalar fields in order (`repoURL`, `path` or `chart`, …).
 */
export function applicationYaml(
  name: string,
  source: Record<string, string>,
  options: { namespace?: string; finalizer?: boolean; sourceExtra?: string } = {},
): string {
  const finalizer = options.finalizer ? '\n  finalizers: [resources-finalizer.argocd.argoproj.io]' : '';
  const fields = Object.entries(source)
    .map(([key, value]) => `\n    ${key}: ${value}`)
    .join('');
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd${finalizer}
spec:
  project: default
  source:${fields}${options.sourceExtra ?? ''}
  destination:
    server: https://kubernetes.default.svc
    namespace: ${options.namespace ?? name}
`;
}
