import { describe, expect, it } from 'vitest';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { planClaims } from '../../src/crossplane/plan-claims.ts';
import { claim, pipelineComposition, ptStep, specSchema, xrd } from './crossplane-test-objects.ts';

type Manifest = Record<string, unknown>;

const XRD = xrd({
  group: 'example.org',
  kind: 'XBucket',
  plural: 'xbuckets',
  claimKind: 'Bucket',
  schema: specSchema({ env: { type: 'string' } }),
});

/** Environment from the EnvironmentConfigs `environmentConfigs` selects, then a bucket patched from it. */
const composition = (environmentConfigs: Manifest[]) =>
  pipelineComposition({
    name: 'xbuckets',
    compositeType: { apiVersion: 'example.org/v1', kind: 'XBucket' },
    pipeline: [
      {
        step: 'environment',
        functionRef: { name: 'function-environment-configs' },
        input: {
          apiVersion: 'environmentconfigs.fn.crossplane.io/v1beta1',
          kind: 'Input',
          spec: { environmentConfigs },
        },
      },
      ptStep({
        step: 'resources',
        resources: [
          {
            name: 'bucket',
            base: { apiVersion: 's3.aws.upbound.io/v1beta1', kind: 'Bucket', spec: { forProvider: {} } },
            patches: [
              {
                type: 'FromEnvironmentFieldPath',
                fromFieldPath: 'region',
                toFieldPath: 'spec.forProvider.region',
              },
            ],
          },
        ],
      }),
    ],
  });

const config = (name: string, env: string, region: string): Manifest => ({
  apiVersion: 'apiextensions.crossplane.io/v1beta1',
  kind: 'EnvironmentConfig',
  metadata: { name, labels: { env } },
  data: { region },
});

const CLAIM = claim({
  apiVersion: 'example.org/v1',
  kind: 'Bucket',
  name: 'assets',
  namespace: 'web',
  spec: { env: 'prod' },
});

const reference = (name: string) => ({ type: 'Reference', ref: { name } });

const selector = (mode: string, label: Manifest) => ({
  type: 'Selector',
  selector: { mode, matchLabels: [{ key: 'env', ...label }] },
});

function regionOf(environmentConfigs: Manifest[], configs: Manifest[]) {
  const objects = [XRD, composition(environmentConfigs), CLAIM, ...configs].map((object) => ({ object }));
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
    const result = regionOf([reference('prod')], [config('prod', 'prod', 'eu-west-1')]);
    expect(result.region).toBe('eu-west-1');
  });

  it('selects by a label read from the composite', () => {
    const selection = selector('Single', { type: 'FromCompositeFieldPath', valueFromFieldPath: 'spec.env' });
    const result = regionOf(
      [selection],
      [config('dev', 'dev', 'us-east-1'), config('prod', 'prod', 'eu-west-1')],
    );
    expect(result.region).toBe('eu-west-1');
  });

  it('merges several configs in name order, later keys winning', () => {
    const selection = selector('Multiple', { type: 'Value', value: 'prod' });
    const result = regionOf(
      [selection],
      [config('b-override', 'prod', 'ap-south-1'), config('a-base', 'prod', 'eu-west-1')],
    );
    expect(result.region).toBe('ap-south-1');
  });

  it('leaves the value unknown, with a note, when the config is not in the repository', () => {
    const result = regionOf([reference('missing')], []);
    expect(result.region).toBe(KNOWN_AFTER_APPLY);
    expect(result.notes).toContain('EnvironmentConfig missing is not in the repository');
  });
});
