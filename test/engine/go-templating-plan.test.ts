import { afterEach, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

/*
 * A platform whose Composition runs function-go-templating from its filesystem (dirPath /templates, mounted from a
 * ConfigMap built from platform/templates): with crossplane.goTemplatingDirs mapping the two, a change to a template
 * in the repository shows in the provisioning plan of the XR it composes.
 */
const XRD = `apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
metadata: {name: buckets.storage.example.org}
spec:
  group: storage.example.org
  scope: Namespaced
  names: {kind: Bucket, plural: buckets}
  versions:
    - name: v1alpha1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {region: {type: string}}}
`;

const COMPOSITION = `apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: {name: buckets}
spec:
  compositeTypeRef: {apiVersion: storage.example.org/v1alpha1, kind: Bucket}
  mode: Pipeline
  pipeline:
    - step: render
      functionRef: {name: function-go-templating}
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: FileSystem
        fileSystem: {dirPath: /templates}
`;

const template = (versioning: boolean) => `apiVersion: s3.aws.m.upbound.io/v1beta1
kind: Bucket
metadata:
  annotations:
    {{ setResourceNameAnnotation "bucket" }}
spec:
  forProvider:
    region: {{ .observed.composite.resource.spec.region }}
    versioning: ${versioning}
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixture(config: string): GitFixture {
  const repo = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
  cleanups.push(() => repo.cleanup());
  repo.commit({
    '.github/mergeplane.yml': config,
    'platform/definition.yaml': XRD,
    'platform/composition.yaml': COMPOSITION,
    'platform/templates/bucket.yaml': template(false),
    'team-a/logs.yaml':
      'apiVersion: storage.example.org/v1alpha1\nkind: Bucket\nmetadata: {name: logs, namespace: team-a}\nspec: {region: eu-west-1}\n',
  });
  repo.commit({ 'platform/templates/bucket.yaml': template(true) });
  return repo;
}

describe('function-go-templating FileSystem sources through the plan', () => {
  it('plans a template change in the mapped folder as an update of the composed resource', async () => {
    const repo = fixture('crossplane:\n  goTemplatingDirs: {/templates: platform/templates}\n');
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    // The template is not YAML until rendered: it is no manifest error either.
    expect(report.gates.filter((g) => g.status !== 'pass')).toEqual([]);
    const [claim] = report.claims;
    expect(claim).toMatchObject({ kind: 'Bucket', namespace: 'team-a', name: 'logs', action: 'update' });
    expect(claim?.composed).toEqual([
      {
        apiVersion: 's3.aws.m.upbound.io/v1beta1',
        kind: 'Bucket',
        name: 'bucket',
        action: 'update',
        fields: [{ path: 'spec.forProvider.versioning', before: false, after: true }],
      },
    ]);
  });

  it('names the step as not predicted when the folder is not mapped', async () => {
    const repo = fixture('{}\n');
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(report.claims[0]?.composed).toEqual([
      expect.objectContaining({
        action: 'unknown',
        fields: expect.stringContaining('crossplane.goTemplatingDirs'),
      }),
    ]);
  });
});
