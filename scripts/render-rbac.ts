// Regenerates deploy/rbac.yaml from the Helm chart: `node scripts/render-rbac.ts`.
// The chart (deploy/chart/mergeplane, templates/rbac.yaml and values.yaml `rbac`) is the one source of the
// RBAC; this file is its rendering for `kubectl apply` users, and test/support/chart-rbac.ts hands the same
// rendering to the tests that enforce it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveTool } from '../src/render/resolve-tool.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CHART_DIR = join(projectRoot, 'deploy', 'chart', 'mergeplane');
export const RBAC_FILE = join(projectRoot, 'deploy', 'rbac.yaml');
export const RENDER_RBAC_COMMAND = 'node scripts/render-rbac.ts';

/** The release the generated file is for: ServiceAccount `mergeplane` in namespace `mergeplane`. */
export const RBAC_SUBJECT = { namespace: 'mergeplane', name: 'mergeplane' } as const;

const HEADER = `# Least-privilege RBAC for Mergeplane's post-merge delivery (README "Deploy", "Kubernetes access").
# GENERATED from the Helm chart deploy/chart/mergeplane by \`${RENDER_RBAC_COMMAND}\`: do not edit it here,
# edit the chart's templates/rbac.yaml or its values (\`rbac\`), then regenerate.
# Apply it to the cluster that runs Argo CD (and the Crossplane control plane, if it is the same cluster):
#   kubectl apply -f deploy/rbac.yaml
# Adjust the namespaces and the claim API groups/resources marked ADJUST to your platform: with the chart's
# values of the same name (helm install, or helm template with --set webhook.enabled=false
# --set worker.enabled=false for the RBAC alone), or in a copy of this file.
# Every rule names the request that needs it; nothing here can read Secrets cluster-wide.
`;

/**
 * The chart's RBAC alone (its Namespace, ServiceAccount, Roles, ClusterRoles and bindings), rendered by helm for
 * release `mergeplane` in namespace `mergeplane`: the text of deploy/rbac.yaml.
 */
export function renderRbacManifest(helm: string = resolveTool('helm')): string {
  const rendered = execFileSync(
    helm,
    [
      'template',
      RBAC_SUBJECT.name,
      CHART_DIR,
      '--namespace',
      RBAC_SUBJECT.namespace,
      '--set',
      'webhook.enabled=false',
      '--set',
      'worker.enabled=false',
      '--set',
      'createNamespace=true',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // helm names each document's template; the file says once where all of them come from.
  const body = rendered
    .split('\n')
    .filter((line) => !line.startsWith('# Source: '))
    .join('\n')
    .replace(/^---\n/, '');
  return `${HEADER}${body.endsWith('\n') ? body : `${body}\n`}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(RBAC_FILE, renderRbacManifest());
  process.stderr.write(`wrote ${RBAC_FILE}\n`);
}
