import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  MAX_SCANNED_FILE_BYTES,
  scanCrossplaneObjects,
} from '../../src/crossplane/scan-crossplane-objects.ts';
import { xrd } from './crossplane-test-objects.ts';

const DEMO_BASE = join(import.meta.dirname, '../../fixtures/demo/base');

const XRD = stringify(
  xrd({ group: 'storage.example.org', kind: 'XBucket', plural: 'xbuckets', claimKind: 'Bucket' }),
);

const BUCKET = `# no mention of the control plane here
apiVersion: storage.example.org/v1
kind: Bucket
metadata: { name: assets, namespace: web }
spec: { region: eu-west-1 }
`;

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function tree(files: Record<string, string>): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'mergeplane-scan-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const summary = (objects: Awaited<ReturnType<typeof scanCrossplaneObjects>>) =>
  objects.map((o) => `${o.file}:${o.line} ${String(o.object.kind)}`);

describe('scanCrossplaneObjects', () => {
  it('finds the XRDs, Compositions and claims of the demo repository, with lines', async () => {
    const objects = await scanCrossplaneObjects(DEMO_BASE);
    expect(summary(objects)).toEqual([
      'crossplane/functions.yaml:2 Function',
      'crossplane/kubernetes-cluster/composition.yaml:1 Composition',
      'crossplane/kubernetes-cluster/definition.yaml:1 CompositeResourceDefinition',
      'crossplane/postgresql/composition.yaml:1 Composition',
      'crossplane/postgresql/definition.yaml:3 CompositeResourceDefinition',
      'infra/clusters/prod-ap.yaml:3 KubernetesCluster',
      'infra/databases/order-service-db.yaml:4 PostgreSQLInstance',
    ]);
  });

  it('finds claims of XRD-defined kinds in files that never mention Crossplane (YAML and JSON)', async () => {
    const dir = await tree({
      'platform/xrd.yaml': XRD,
      'teams/web/bucket.yaml': BUCKET,
      'teams/web/bucket.json': JSON.stringify({
        apiVersion: 'storage.example.org/v1',
        kind: 'Bucket',
        metadata: { name: 'logs', namespace: 'web' },
      }),
      'teams/web/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n',
      'README.md': 'apiVersion: storage.example.org/v1',
    });
    const objects = await scanCrossplaneObjects(dir);
    expect(summary(objects)).toEqual([
      'platform/xrd.yaml:1 CompositeResourceDefinition',
      'teams/web/bucket.json:1 Bucket',
      'teams/web/bucket.yaml:2 Bucket',
    ]);
  });

  it('finds provider CRDs that never mention Crossplane, so immutable fields can be detected', async () => {
    const dir = await tree({
      'providers/crds/buckets.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: buckets.s3.aws.example.com }
spec:
  group: s3.aws.example.com
  names: { kind: Bucket, plural: buckets }
  scope: Cluster
  versions: [{ name: v1beta1, served: true, storage: true }]
`,
    });
    expect(summary(await scanCrossplaneObjects(dir))).toEqual([
      'providers/crds/buckets.yaml:1 CustomResourceDefinition',
    ]);
  });

  it('skips .git, node_modules, Helm templates, symlinks, big and unparseable files', async () => {
    const dir = await tree({
      'xrd.yaml': XRD,
      '.git/claim.yaml': BUCKET,
      'node_modules/pkg/claim.yaml': BUCKET,
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 1.0.0\n',
      'chart/templates/claim.yaml': BUCKET.replace('assets', '{{ .Values.name }}'),
      'not-a-chart/templates/claim.yaml': BUCKET,
      'big.yaml': `${BUCKET}# ${'x'.repeat(MAX_SCANNED_FILE_BYTES)}\n`,
      'broken.yaml': `${BUCKET}  : : [\n`,
    });
    await symlink(join(dir, 'not-a-chart'), join(dir, 'linked'));
    await symlink(join(dir, 'xrd.yaml'), join(dir, 'linked.yaml'));
    const objects = await scanCrossplaneObjects(dir);
    expect(summary(objects)).toEqual([
      'not-a-chart/templates/claim.yaml:2 Bucket',
      'xrd.yaml:1 CompositeResourceDefinition',
    ]);
  });
});
