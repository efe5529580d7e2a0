import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { renderComposed } from '../../src/crossplane/render-composed.ts';

/*
 * Behaviour of function-go-templating, function-cel-filter and function-sequencer as their READMEs document it,
 * on the first reconcile: only the XR is observed.
 */
const XR = {
  apiVersion: 'example.org/v1alpha1',
  kind: 'XBucket',
  metadata: { name: 'logs', namespace: 'team-a' },
  spec: { region: 'eu-west-1', replicas: 2, tier: 'gold' },
};

function composition(...steps: string[]): Record<string, unknown> {
  return parse(`apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: { name: buckets }
spec:
  compositeTypeRef: { apiVersion: example.org/v1alpha1, kind: XBucket }
  mode: Pipeline
  pipeline:
${steps.join('')}`) as Record<string, unknown>;
}

const goTemplating = (template: string, source = 'Inline') => `
    - step: render
      functionRef: { name: function-go-templating }
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: ${source}
        inline:
          template: |
${template
  .split('\n')
  .map((l) => `            ${l}`)
  .join('\n')}
`;

const render = (...steps: string[]) => renderComposed({ composite: XR, composition: composition(...steps) });
const byName = (result: ReturnType<typeof render>) => new Map(result.resources.map((r) => [r.name, r]));

const BUCKET = `apiVersion: s3.aws.m.upbound.io/v1beta1
kind: Bucket
metadata:
  annotations:
    {{ setResourceNameAnnotation "bucket" }}
spec:
  forProvider:
    region: {{ .observed.composite.resource.spec.region }}`;

describe('function-go-templating', () => {
  it('names each document by its composition-resource-name annotation and removes that annotation', () => {
    const bucket = byName(render(goTemplating(BUCKET))).get('bucket');
    expect(bucket?.object).toMatchObject({
      apiVersion: 's3.aws.m.upbound.io/v1beta1',
      kind: 'Bucket',
      spec: { forProvider: { region: 'eu-west-1' } },
      // Crossplane's own annotation replaces the function's; v2 XRs compose into their namespace.
      metadata: { annotations: { 'crossplane.io/composition-resource-name': 'bucket' }, namespace: 'team-a' },
    });
    expect(JSON.stringify(bucket?.object)).not.toContain(
      'gotemplating.fn.crossplane.io/composition-resource-name',
    );
    expect(bucket?.unknownPaths).toEqual(['metadata.name']);
  });

  it('renders a document per range item, with include of a defined template', () => {
    const template = `{{ define "name" }}replica-{{ . }}{{ end }}
{{- range $i := until (int .observed.composite.resource.spec.replicas) }}
---
apiVersion: s3.aws.m.upbound.io/v1beta1
kind: Bucket
metadata:
  annotations:
    {{ setResourceNameAnnotation (include "name" $i) }}
spec:
  forProvider:
    region: {{ $.observed.composite.resource.spec.region }}
{{- end }}`;
    expect([...byName(render(goTemplating(template))).keys()]).toEqual(['replica-0', 'replica-1']);
  });

  it('shows values read from observed composed resources as known after apply on the first render', () => {
    const template = `${BUCKET}
---
apiVersion: s3.aws.m.upbound.io/v1beta1
kind: BucketPolicy
metadata:
  annotations:
    {{ setResourceNameAnnotation "policy" }}
spec:
  forProvider:
    bucket: {{ (getComposedResource . "bucket").status.atProvider.id }}
    arn: arn:aws:s3:::{{ .observed.resources.bucket.resource.status.atProvider.id }}
    {{- if eq (getResourceCondition "Ready" (getComposedResource . "bucket")).Status "True" }}
    ready: true
    {{- end }}`;
    const policy = byName(render(goTemplating(template))).get('policy');
    expect(policy?.object.spec).toEqual({
      forProvider: { bucket: KNOWN_AFTER_APPLY, arn: KNOWN_AFTER_APPLY },
    });
    expect(policy?.unknownPaths).toEqual([
      'metadata.name',
      'spec.forProvider.arn',
      'spec.forProvider.bucket',
    ]);
  });

  it('adds to the resources of earlier steps and replaces those it names again', () => {
    const first = goTemplating(BUCKET);
    const second = goTemplating(
      BUCKET.replace('region: {{ .observed.composite.resource.spec.region }}', 'region: us-east-1'),
    );
    const result = render(first, second.replace('step: render', 'step: override'));
    expect(result.resources.map((r) => (r.object.spec as { forProvider: unknown }).forProvider)).toEqual([
      { region: 'us-east-1' },
    ]);
  });

  it('gives the template a copy: changing maps in place never reaches the XR or earlier steps', () => {
    const composite = structuredClone(XR);
    const second = goTemplating(`{{ $_ := merge .observed.composite.resource.spec (dict "injected" "x") }}
{{ $_ := set .desired.resources.bucket.resource.spec "tampered" true }}`).replace(
      'step: render',
      'step: mutate',
    );
    const result = renderComposed({ composite, composition: composition(goTemplating(BUCKET), second) });
    expect(composite).toEqual(XR);
    expect(result.resources[0]?.object.spec).toEqual({ forProvider: { region: 'eu-west-1' } });
  });

  it('says which observed resources its conditions were decided on, as on the first render', () => {
    const template = `${BUCKET}
{{ if (getComposedResource . "bucket").status.atProvider.id }}
---
${BUCKET.replace('"bucket"', '"replica"')}
{{ end }}`;
    const result = render(goTemplating(template));
    expect([...byName(result).keys()]).toEqual(['bucket']);
    expect(result.warnings).toEqual([
      'step render: conditions on bucket (observed state) were taken as on the first render, when nothing is observed: what the template adds only once they exist is not shown',
    ]);
  });

  it.each([
    [
      'an unknown meta.gotemplating kind',
      'apiVersion: meta.gotemplating.fn.crossplane.io/v1alpha1\nkind: Surprise',
      /unknown meta.gotemplating.fn.crossplane.io\/v1alpha1 kind Surprise/,
    ],
    [
      'output nested past the YAML limits',
      `a: ${'['.repeat(5000)}${']'.repeat(5000)}`,
      /exceeds the limits of an offline render|not valid YAML/,
    ],
  ])('names %s as not predicted', (_label, template, reason) => {
    const result = render(goTemplating(template));
    expect(result.unsupported).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
  });

  it('does not compose the XR itself or meta.gotemplating documents', () => {
    const template = `${BUCKET}
---
apiVersion: example.org/v1alpha1
kind: XBucket
status:
  ready: false
---
apiVersion: meta.gotemplating.fn.crossplane.io/v1alpha1
kind: CompositeConnectionDetails
data:
  url: aHR0cA==`;
    expect([...byName(render(goTemplating(template))).keys()]).toEqual(['bucket']);
  });

  it.each([
    ['a function outside the subset', '{{ env "HOME" }}', /function "env" is not supported/],
    [
      'a document without a name annotation',
      'apiVersion: v1\nkind: ConfigMap',
      /missing the gotemplating.fn.crossplane.io\/composition-resource-name annotation/,
    ],
    [
      'a comparison with observed state',
      '{{ if eq .observed.resources.bucket.resource.status.id "x" }}{{ end }}',
      /known only after apply/,
    ],
    ['output that is not YAML', 'a: [', /not valid YAML/],
    ['fromYaml of text that is not YAML', '{{ fromYaml "a: [" }}', /error calling fromYaml/],
  ])('names %s as not predicted', (_label, template, reason) => {
    const result = render(goTemplating(template));
    expect(result.resources).toEqual([]);
    expect(result.unsupported).toEqual([
      { step: 'render', functionName: 'function-go-templating', reason: expect.stringMatching(reason) },
    ]);
  });

  it('reads an Environment source template, and the environment, from EnvironmentConfigs in the repository', () => {
    const step = `
    - step: render
      functionRef: { name: function-go-templating }
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: Environment
        environment: { key: template }
`;
    const template = BUCKET.replace(
      'region: {{ .observed.composite.resource.spec.region }}',
      'region: {{ index .context "apiextensions.crossplane.io/environment" "region" }}',
    );
    const result = renderComposed({
      composite: XR,
      composition: composition(step),
      environment: { template, region: 'ap-south-1' },
    });
    expect(result.unsupported).toEqual([]);
    expect(result.resources[0]?.object.spec).toEqual({ forProvider: { region: 'ap-south-1' } });
  });

  it('reads a FileSystem source from the repository folder config maps its dirPath to', () => {
    const step = `
    - step: render
      functionRef: { name: function-go-templating }
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: FileSystem
        fileSystem: { dirPath: /templates }
`;
    const result = renderComposed({
      composite: XR,
      composition: composition(step),
      templateDirs: new Map([['/templates/', `${BUCKET}\n---\n`]]),
    });
    expect(result.unsupported).toEqual([]);
    expect([...byName(result).keys()]).toEqual(['bucket']);
  });

  it('joins inline.templates with document separators, as the function does', () => {
    const step = `
    - step: render
      functionRef: { name: function-go-templating }
      input:
        apiVersion: gotemplating.fn.crossplane.io/v1beta1
        kind: GoTemplate
        source: Inline
        inline:
          templates:
            - ${JSON.stringify(BUCKET)}
            - ${JSON.stringify(BUCKET.replace('"bucket"', '"second"'))}
`;
    expect([...byName(render(step)).keys()]).toEqual(['bucket', 'second']);
  });

  it.each([
    [
      'missingkey=error makes a missing key fail the step',
      'options: ["missingkey=error"]',
      /map has no entry for key "nope"/,
    ],
    [
      'other delimiters are named',
      'delims: { left: "[[", right: "]]" }',
      /delimiters \[\[ \]\] are not supported/,
    ],
  ])('%s', (_label, extra, reason) => {
    const step = goTemplating(`${BUCKET}\n    nope: {{ .observed.composite.resource.spec.nope }}`).replace(
      '        source: Inline',
      `        source: Inline\n        ${extra}`,
    );
    expect(render(step).unsupported).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(reason) }),
    ]);
  });

  it('names a FileSystem source as not predicted: its templates are not in the repository', () => {
    const result = render(
      goTemplating(BUCKET, 'FileSystem').replace(
        '        inline:',
        '        fileSystem: { dirPath: /templates }\n        inline:',
      ),
    );
    expect(result.unsupported[0]?.reason).toMatch(
      /templates from the function's filesystem \(\/templates\) are not in the repository; map the folder they come from with crossplane.goTemplatingDirs/,
    );
  });
});

const celFilter = (name: string, expression: string) => `
    - step: filter
      functionRef: { name: function-cel-filter }
      input:
        apiVersion: cel.fn.crossplane.io/v1beta1
        kind: Filters
        filters:
          - name: ${name}
            expression: ${JSON.stringify(expression)}
`;

const TWO = goTemplating(`${BUCKET}
---
${BUCKET.replace('"bucket"', '"bucket-replica"')}`);

describe('function-cel-filter', () => {
  it.each([
    [
      'a true expression keeps the resource',
      'bucket',
      'observed.composite.resource.spec.tier == "gold"',
      ['bucket', 'bucket-replica'],
    ],
    [
      'a false expression drops the resource it names',
      'bucket',
      'observed.composite.resource.spec.tier == "silver"',
      ['bucket-replica'],
    ],
    [
      'the name is an anchored regular expression',
      'bucket.*',
      '"nope" in observed.composite.resource.spec',
      [],
    ],
    ['an anchored name does not match a longer one', 'bucket', 'false', ['bucket-replica']],
    [
      'desired state is visible',
      'bucket-replica',
      '"bucket" in desired.resources',
      ['bucket', 'bucket-replica'],
    ],
    ['a single comprehension is evaluated', 'bucket', '[1, 2].all(x, x > 1)', ['bucket-replica']],
  ])('%s', (_label, name, expression, kept) => {
    expect([...byName(render(TWO, celFilter(name, expression))).keys()]).toEqual(kept);
  });

  it.each([
    ['a syntax error', 'observed.composite.resource.spec.tier =='],
    ['a non-bool result', 'observed.composite.resource.spec.replicas'],
    [
      'a read of observed composed resources, empty on the first render',
      'observed.resources.bucket.resource.status.ready',
    ],
    [
      'matches(), whose pattern would not run as RE2',
      'observed.composite.resource.spec.tier.matches("^(g+)+$")',
    ],
    ['a comprehension nested in another', '[1, 2].all(a, [1, 2].all(b, a + b > 0))'],
  ])('names %s as not predicted', (_label, expression) => {
    const result = render(TWO, celFilter('bucket', expression));
    expect(result.unsupported).toEqual([
      expect.objectContaining({
        functionName: 'function-cel-filter',
        reason: expect.stringContaining('filter bucket'),
      }),
    ]);
  });
});

describe('function-sequencer', () => {
  it('keeps every resource and notes which ones wait for earlier ones to be ready', () => {
    const sequencer = `
    - step: sequence
      functionRef: { name: function-sequencer }
      input:
        apiVersion: sequencer.fn.crossplane.io/v1beta1
        kind: Input
        rules:
          - sequence: [bucket, bucket-replica]
`;
    const result = render(TWO, sequencer);
    expect([...byName(result).keys()]).toEqual(['bucket', 'bucket-replica']);
    expect(result.warnings).toEqual([
      'step sequence: bucket-replica is first created only once bucket is ready (function-sequencer)',
    ]);
  });
});
