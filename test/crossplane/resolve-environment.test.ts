import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { planClaims } from '../../src/crossplane/plan-claims.ts';

const XRD = `apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata: { name: xbuckets.example.org }
spec:
  group: example.org
  names: { kind: XBucket, plural: xbuckets }
  claimNames: { kind: Bucket, plural: buckets }
  versions:
    - name: v1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                env: { type: string }
`;

const composition = (selection: string) => `apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: { name: xbuckets }
spec:
  compositeTypeRef: { apiVersion: example.org/v1, kind: XBucket }
  mode: Pipeline
  pipeline:
    - step: environment
      functionRef: { name: function-environment-configs }
      input:
        apiVersion: environmentconfigs.fn.crossplane.io/v1beta1
        kind: Input
        spec:
          environmentConfigs:
${selection}
    - step: resources
      functionRef: { name: function-patch-and-transform }
      input:
        apiVersion: pt.fn.crossplane.io/v1beta1
        kind: Resources
        resources:
          - name: bucket
            base:
              apiVersion: s3.aws.upbound.io/v1beta1
              kind: Bucket
              spec: { forProvider: {} }
            patches:
              - type: FromEnvironmentFieldPath
                fromFieldPath: region
                toFieldPath: spec.forProvider.region
`;

const config = (name: string, env: string, region: string) => `apiVersion: apiextensions.crossplane.io/v1beta1
kind: EnvironmentConfig
metadata: { name: ${name}, labels: { env: ${env} } }
data: { region: ${region} }
`;

const CLAIM = `apiVersion: example.org/v1
kind: Bucket
metadata: { name: assets, namespace: web }
spec: { env: prod }
`;

function regionOf(selection: string, configs: string[]) {
  const objects = [XRD, composition(selection), CLAIM, ...configs].map((text) => ({ object: parse(text) }));
  const plan = planClaims({ base: { objects: [] }, head: { objects } });
  const claim = plan.claims[0]!;
  const bucket = claim.composed.find((c) => c.kind === 'Bucket');
  const fields = (bucket?.fields ?? []) as { path: string; after: unknown }[];
  return {
    region: fields.find((f) => f.path === 'spec.forProvider.region')?.after,
    notes: claim.notes ?? [],
  };
}

describe('Composition environment from EnvironmentConfigs in the repository', () => {
  it('reads a referenced EnvironmentConfig', () => {
    const result = regionOf('            - { type: Reference, ref: { name: prod } }', [
      config('prod', 'prod', 'eu-west-1'),
    ]);
    expect(result.region).toBe('eu-west-1');
  });

  it('selects by a label read from the composite', () => {
    const selection = `            - type: Selector
              selector:
                mode: Single
                matchLabels:
                  - { key: env, type: FromCompositeFieldPath, valueFromFieldPath: spec.env }`;
    const result = regionOf(selection, [
      config('dev', 'dev', 'us-east-1'),
      config('prod', 'prod', 'eu-west-1'),
    ]);
    expect(result.region).toBe('eu-west-1');
  });

  it('merges several configs in name order, later keys winning', () => {
    const selection = `            - type: Selector
              selector:
                mode: Multiple
                matchLabels:
                  - { key: env, type: Value, value: prod }`;
    const result = regionOf(selection, [
      config('b-override', 'prod', 'ap-south-1'),
      config('a-base', 'prod', 'eu-west-1'),
    ]);
    expect(result.region).toBe('ap-south-1');
  });

  it('leaves the value unknown, with a note, when the config is not in the repository', () => {
    const result = regionOf('            - { type: Reference, ref: { name: missing } }', []);
    expect(result.region).toBe(KNOWN_AFTER_APPLY);
    expect(result.notes).toContain('EnvironmentConfig missing is not in the repository');
  });
});
