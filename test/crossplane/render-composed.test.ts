import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildCompositeView } from '../../src/crossplane/composite-view.ts';
import { buildCatalog } from '../../src/crossplane/crossplane-catalog.ts';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { renderComposed } from '../../src/crossplane/render-composed.ts';
import { selectComposition } from '../../src/crossplane/select-composition.ts';
import {
  claim,
  parametersSchema,
  pipelineComposition,
  ptComposition,
  ptStep,
  xrd,
} from './crossplane-test-objects.ts';

const obj = (yaml: string) => parse(yaml) as Record<string, unknown>;

const xr = obj(`
apiVersion: example.org/v1alpha1
kind: XDatabase
metadata:
  name: db-1
  uid: 1234
  labels: { team: payments }
spec:
  parameters: { size: medium, region: eu, storageGB: 20, tags: { env: prod }, list: [a, b] }
`);

const XDATABASE = { apiVersion: 'example.org/v1alpha1', kind: 'XDatabase' };

/** A Pipeline Composition with one function-patch-and-transform step holding `resources`. */
function pipeline(resourcesYaml: string, extra = ''): Record<string, unknown> {
  const resources = parse(resourcesYaml) as Record<string, unknown>[];
  return ptComposition({ name: 'c', compositeType: XDATABASE, resources, input: extra ? obj(extra) : {} });
}

/** One resource named `r` with the given base spec and patches; returns the rendered resource. */
function renderOne(
  patchesYaml: string,
  baseSpec = '{ forProvider: {} }',
  options: { environment?: Record<string, unknown>; composite?: Record<string, unknown> } = {},
) {
  const composition = pipeline(`
- name: r
  base: { apiVersion: db.example.org/v1, kind: Instance, metadata: { name: fixed }, spec: ${baseSpec} }
  patches:
${patchesYaml
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}`);
  const result = renderComposed({
    composite: options.composite ?? xr,
    composition,
    ...(options.environment ? { environment: options.environment } : {}),
  });
  return { result, resource: result.resources[0]! };
}

describe('renderComposed: patch types (function-patch-and-transform docs, "Types of patches")', () => {
  test('FromCompositeFieldPath copies an XR field onto the composed resource', () => {
    const { resource } = renderOne(
      '- { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.region, toFieldPath: spec.forProvider.region }',
    );
    expect(resource.object.spec).toEqual({ forProvider: { region: 'eu' } });
    expect(resource.unknownPaths).toEqual([]);
  });

  test('patch type defaults to FromCompositeFieldPath and toFieldPath to fromFieldPath', () => {
    const { resource } = renderOne('- { fromFieldPath: spec.parameters.region }');
    expect((resource.object.spec as Record<string, unknown>).parameters).toEqual({ region: 'eu' });
  });

  test('CombineFromComposite with strategy string formats the variables with fmt', () => {
    const { resource } = renderOne(`
- type: CombineFromComposite
  combine:
    strategy: string
    variables: [{ fromFieldPath: metadata.labels.team }, { fromFieldPath: spec.parameters.size }]
    string: { fmt: "%s-%s-db" }
  toFieldPath: metadata.annotations[crossplane.io/external-name]`);
    expect((resource.object.metadata as Record<string, unknown>).annotations).toMatchObject({
      'crossplane.io/external-name': 'payments-medium-db',
    });
  });

  test('CombineFromComposite is skipped when any variable is missing (Optional)', () => {
    const { resource } = renderOne(`
- type: CombineFromComposite
  combine: { strategy: string, variables: [{ fromFieldPath: spec.parameters.size }, { fromFieldPath: spec.nope }], string: { fmt: "%s-%s" } }
  toFieldPath: spec.forProvider.name`);
    expect(resource.object.spec).toEqual({ forProvider: {} });
  });

  test('PatchSet expands the named patch set', () => {
    const composition = pipeline(
      `
- name: a
  base: { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }
  patches: [{ type: PatchSet, patchSetName: common }]`,
      `patchSets:
- name: common
  patches:
  - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.region, toFieldPath: data.region }`,
    );
    const result = renderComposed({ composite: xr, composition });
    expect(result.resources[0]!.object.data).toEqual({ region: 'eu' });
  });

  test('an undefined PatchSet is an error for that resource', () => {
    const composition = pipeline(`
- name: a
  base: { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }
  patches: [{ type: PatchSet, patchSetName: missing }]`);
    const result = renderComposed({ composite: xr, composition });
    expect(result.errors).toEqual([{ resource: 'a', message: 'cannot find PatchSet by name missing' }]);
  });

  test.each(['ToCompositeFieldPath', 'CombineToComposite'])(
    '%s is noted, not applied (it runs after the resource exists)',
    (type) => {
      const { resource, result } = renderOne(
        `- { type: ${type}, fromFieldPath: status.atProvider.id, toFieldPath: status.dbId }`,
      );
      expect(resource.object.status).toBeUndefined();
      expect(result.warnings.join('\n')).toContain(
        `${type} patch to XR status.dbId runs after the resource exists`,
      );
    },
  );

  test('FromEnvironmentFieldPath reads the supplied environment', () => {
    const { resource } = renderOne(
      '- { type: FromEnvironmentFieldPath, fromFieldPath: vpcId, toFieldPath: spec.forProvider.vpcId }',
      undefined,
      {
        environment: { vpcId: 'vpc-1' },
      },
    );
    expect(resource.object.spec).toEqual({ forProvider: { vpcId: 'vpc-1' } });
  });

  test('CombineFromEnvironment combines environment values', () => {
    const { resource } = renderOne(
      `
- type: CombineFromEnvironment
  combine: { strategy: string, variables: [{ fromFieldPath: key1 }, { fromFieldPath: key2 }], string: { fmt: "%s-%s" } }
  toFieldPath: metadata.annotations[EnvironmentPatch]`,
      undefined,
      { environment: { key1: 'value1', key2: 'value2' } },
    );
    expect(
      (resource.object.metadata as { annotations: Record<string, string> }).annotations.EnvironmentPatch,
    ).toBe('value1-value2');
  });

  test('without an environment, environment patches need EnvironmentConfig → known after apply', () => {
    const { resource, result } = renderOne(
      '- { type: FromEnvironmentFieldPath, fromFieldPath: vpcId, toFieldPath: spec.forProvider.vpcId }',
    );
    expect(resource.unknownPaths).toEqual(['spec.forProvider.vpcId']);
    expect(resource.object.spec).toEqual({ forProvider: { vpcId: KNOWN_AFTER_APPLY } });
    expect(result.warnings.join('\n')).toContain('needs EnvironmentConfig');
  });

  test('an unknown patch type is an error and the target is unknown', () => {
    const { resource, result } = renderOne(
      '- { type: FromSecret, fromFieldPath: spec.x, toFieldPath: spec.y }',
    );
    expect(result.errors[0]!.message).toContain('unknown patch type FromSecret');
    expect(resource.unknownPaths).toEqual(['spec.y']);
  });
});

describe('renderComposed: fromFieldPath policy and known-after-apply sources', () => {
  test('Optional (default): a missing source skips the patch', () => {
    const { resource } = renderOne(
      '- { fromFieldPath: spec.parameters.missing, toFieldPath: spec.forProvider.x }',
      '{ forProvider: { x: base } }',
    );
    expect(resource.object.spec).toEqual({ forProvider: { x: 'base' } });
    expect(resource.unknownPaths).toEqual([]);
  });

  test('Required: a missing source makes the target known after apply, never a guess', () => {
    const { resource, result } = renderOne(
      '- { fromFieldPath: spec.parameters.missing, toFieldPath: spec.forProvider.x, policy: { fromFieldPath: Required } }',
      '{ forProvider: { x: base } }',
    );
    expect(resource.object.spec).toEqual({ forProvider: { x: KNOWN_AFTER_APPLY } });
    expect(resource.unknownPaths).toEqual(['spec.forProvider.x']);
    expect(result.warnings.join('\n')).toContain('required patch source spec.parameters.missing is missing');
  });

  test('a status-sourced patch is known after apply (XR status is written by Crossplane)', () => {
    const composite = { ...xr, status: { address: 'stale.example.org' } };
    const { resource } = renderOne(
      '- { fromFieldPath: status.address, toFieldPath: spec.forProvider.host }',
      undefined,
      { composite },
    );
    expect(resource.object.spec).toEqual({ forProvider: { host: KNOWN_AFTER_APPLY } });
    expect(resource.unknownPaths).toEqual(['spec.forProvider.host']);
  });

  test.each([
    'metadata.generation',
    'spec.resourceRefs',
    'spec.claimRef.name',
    'metadata.labels[crossplane.io/composite]',
  ])('%s, set by Crossplane and absent from the manifest, is known after apply', (path) => {
    const { resource } = renderOne(`- { fromFieldPath: "${path}", toFieldPath: spec.forProvider.v }`);
    expect(resource.unknownPaths).toEqual(['spec.forProvider.v']);
  });

  test('metadata.uid present in the input is used as given', () => {
    const { resource } = renderOne('- { fromFieldPath: metadata.uid, toFieldPath: spec.forProvider.v }');
    expect(resource.object.spec).toEqual({ forProvider: { v: 1234 } });
  });

  test('a later known patch clears an earlier unknown at the same path', () => {
    const { resource } = renderOne(`
- { fromFieldPath: status.x, toFieldPath: spec.forProvider.v }
- { fromFieldPath: spec.parameters.size, toFieldPath: spec.forProvider.v }`);
    expect(resource.unknownPaths).toEqual([]);
    expect(resource.object.spec).toEqual({ forProvider: { v: 'medium' } });
  });

  test('a transform error is reported and its target marked unknown', () => {
    const { resource, result } = renderOne(`
- fromFieldPath: spec.parameters.size
  toFieldPath: spec.forProvider.class
  transforms: [{ type: map, map: { small: db.t3.small } }]`);
    expect(result.errors).toEqual([
      {
        resource: 'r',
        patch: 0,
        message:
          'FromCompositeFieldPath patch: transform at index 0 returned error: map transform could not resolve: key medium is not found in map',
      },
    ]);
    expect(resource.unknownPaths).toEqual(['spec.forProvider.class']);
  });
});

describe('renderComposed: toFieldPath policies (docs "toFieldPath policy")', () => {
  const base = '{ forProvider: { tags: { env: dev, owner: ops }, list: [a, z] } }';
  test.each<[string, string, unknown]>([
    ['Replace (default) replaces the object', 'Replace', { env: 'prod' }],
    ['MergeObjects keeps conflicting keys', 'MergeObjects', { env: 'dev', owner: 'ops' }],
    ['ForceMergeObjects replaces conflicting keys', 'ForceMergeObjects', { env: 'prod', owner: 'ops' }],
  ])('%s', (_name, policy, expected) => {
    const { resource } = renderOne(
      `- { fromFieldPath: spec.parameters.tags, toFieldPath: spec.forProvider.tags, policy: { toFieldPath: ${policy} } }`,
      base,
    );
    expect((resource.object.spec as { forProvider: { tags: unknown } }).forProvider.tags).toEqual(expected);
  });

  test.each<[string, string, unknown]>([
    ['Replace replaces arrays', 'Replace', ['a', 'b']],
    ['MergeObjects keeps the existing array', 'MergeObjects', ['a', 'z']],
    ['ForceMergeObjects replaces the array', 'ForceMergeObjects', ['a', 'b']],
    ['MergeObjectsAppendArrays appends new items', 'MergeObjectsAppendArrays', ['a', 'z', 'b']],
    ['ForceMergeObjectsAppendArrays appends new items', 'ForceMergeObjectsAppendArrays', ['a', 'z', 'b']],
  ])('arrays: %s', (_name, policy, expected) => {
    const { resource } = renderOne(
      `- { fromFieldPath: spec.parameters.list, toFieldPath: spec.forProvider.list, policy: { toFieldPath: ${policy} } }`,
      base,
    );
    expect((resource.object.spec as { forProvider: { list: unknown } }).forProvider.list).toEqual(expected);
  });

  test('legacy mergeOptions keepMapValues behaves like MergeObjects', () => {
    const { resource } = renderOne(
      '- { fromFieldPath: spec.parameters.tags, toFieldPath: spec.forProvider.tags, policy: { mergeOptions: { keepMapValues: true } } }',
      base,
    );
    expect((resource.object.spec as { forProvider: { tags: unknown } }).forProvider.tags).toEqual({
      env: 'dev',
      owner: 'ops',
    });
  });

  test('an invalid toFieldPath policy is an error', () => {
    const { result } = renderOne(
      '- { fromFieldPath: spec.parameters.tags, toFieldPath: spec.t, policy: { toFieldPath: Squash } }',
    );
    expect(result.errors[0]!.message).toContain('invalid patch policy Squash');
  });

  test('wildcard toFieldPath patches every existing array element', () => {
    const { resource } = renderOne(
      '- { fromFieldPath: spec.parameters.region, toFieldPath: "spec.forProvider.rules[*].region" }',
      '{ forProvider: { rules: [{ port: 1 }, { port: 2 }] } }',
    );
    expect(resource.object.spec).toEqual({
      forProvider: {
        rules: [
          { port: 1, region: 'eu' },
          { port: 2, region: 'eu' },
        ],
      },
    });
  });
});

describe('renderComposed: resources and pipeline', () => {
  test('bases are deep-copied and get the composition-resource-name annotation', () => {
    const composition = pipeline(`
- name: bucket
  base: { apiVersion: s3.aws.upbound.io/v1beta1, kind: Bucket, metadata: { name: b }, spec: { forProvider: { region: us-east-2 } } }
  patches: [{ fromFieldPath: spec.parameters.region, toFieldPath: spec.forProvider.region }]`);
    const result = renderComposed({ composite: xr, composition });
    expect(result.resources[0]!.object).toEqual({
      apiVersion: 's3.aws.upbound.io/v1beta1',
      kind: 'Bucket',
      metadata: { name: 'b', annotations: { 'crossplane.io/composition-resource-name': 'bucket' } },
      spec: { forProvider: { region: 'eu' } },
    });
    const template = (
      ((composition.spec as Record<string, unknown>).pipeline as Record<string, unknown>[])[0]!.input as {
        resources: { base: { spec: { forProvider: { region: string } } } }[];
      }
    ).resources[0]!;
    expect(template.base.spec.forProvider.region).toBe('us-east-2');
  });

  test('a resource without metadata.name gets a generated name, known after apply', () => {
    const composition = pipeline('- { name: a, base: { apiVersion: v1, kind: ConfigMap } }');
    const result = renderComposed({ composite: xr, composition });
    expect(result.resources[0]!.unknownPaths).toEqual(['metadata.name']);
  });

  test.each(['function-go-templating', 'function-kcl'])(
    'a Pipeline step running %s is reported unsupported',
    (fn) => {
      const composition = pipelineComposition({
        name: 'c',
        compositeType: XDATABASE,
        pipeline: [
          {
            step: 'templates',
            functionRef: { name: fn },
            input: { apiVersion: 'example.fn.crossplane.io/v1beta1', kind: 'Input' },
          },
          ptStep({
            resources: [
              { name: 'a', base: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } },
            ],
          }),
          { step: 'ready', functionRef: { name: 'function-auto-ready' } },
        ],
      });
      const result = renderComposed({ composite: xr, composition });
      expect(result.unsupported).toEqual([
        {
          step: 'templates',
          functionName: fn,
          reason: `composed resources not predicted: function ${fn}: its input (example.fn.crossplane.io/v1beta1 Input) is not evaluated offline`,
        },
      ]);
      expect(result.resources.map((r) => r.name)).toEqual(['a']);
    },
  );

  test('a later P&T step without a base patches the resource from an earlier step', () => {
    const composition = pipelineComposition({
      name: 'c',
      compositeType: XDATABASE,
      pipeline: [
        ptStep({
          step: 'one',
          resources: [
            {
              name: 'a',
              base: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } },
            },
          ],
        }),
        ptStep({
          step: 'two',
          resources: [
            { name: 'a', patches: [{ fromFieldPath: 'spec.parameters.size', toFieldPath: 'data.size' }] },
          ],
        }),
      ],
    });
    const result = renderComposed({ composite: xr, composition });
    expect(result.resources[0]!.object.data).toEqual({ x: '1', size: 'medium' });
  });

  test('legacy mode: Resources is evaluated the same way; unnamed templates are keyed by index', () => {
    const composition = obj(`
apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: { name: legacy }
spec:
  compositeTypeRef: { apiVersion: example.org/v1alpha1, kind: XDatabase }
  patchSets:
  - name: region
    patches: [{ fromFieldPath: spec.parameters.region, toFieldPath: spec.forProvider.region, transforms: [{ type: map, map: { eu: eu-west-1 } }] }]
  resources:
  - base: { apiVersion: rds.aws.upbound.io/v1beta1, kind: Instance, metadata: { name: x } }
    patches: [{ type: PatchSet, patchSetName: region }]
`);
    const result = renderComposed({ composite: xr, composition });
    expect(result.resources).toEqual([
      {
        name: 'resources[0]',
        object: {
          apiVersion: 'rds.aws.upbound.io/v1beta1',
          kind: 'Instance',
          metadata: { name: 'x' },
          spec: { forProvider: { region: 'eu-west-1' } },
        },
        unknownPaths: [],
      },
    ]);
  });
});

describe('a PostgreSQLInstance claim end to end', () => {
  // At the lines they had as one multi-document file.
  const objects = [
    {
      line: 2,
      object: xrd({
        group: 'database.example.org',
        kind: 'XPostgreSQLInstance',
        plural: 'xpostgresqlinstances',
        claimKind: 'PostgreSQLInstance',
        spec: { defaultCompositionRef: { name: 'postgres-aws' } },
        version: 'v1alpha1',
        schema: parametersSchema({ size: { type: 'string', enum: ['small', 'medium', 'large'] } }),
      }),
    },
    {
      line: 26,
      object: ptComposition({
        name: 'postgres-aws',
        compositeType: { apiVersion: 'database.example.org/v1alpha1', kind: 'XPostgreSQLInstance' },
        step: 'patch-and-transform',
        resources: [
          {
            name: 'rds',
            base: {
              apiVersion: 'rds.aws.upbound.io/v1beta1',
              kind: 'Instance',
              spec: { forProvider: { engine: 'postgres', region: 'eu-west-1' } },
            },
            patches: [
              {
                fromFieldPath: 'spec.parameters.size',
                toFieldPath: 'spec.forProvider.instanceClass',
                transforms: [
                  {
                    type: 'map',
                    map: { small: 'db.t3.small', medium: 'db.t3.medium', large: 'db.r6g.large' },
                  },
                ],
              },
              {
                fromFieldPath: 'spec.parameters.size',
                toFieldPath: 'spec.forProvider.allocatedStorage',
                transforms: [{ type: 'map', map: { small: 20, medium: 100, large: 500 } }],
              },
              { fromFieldPath: 'spec.claimRef.namespace', toFieldPath: 'spec.forProvider.tags[namespace]' },
              { fromFieldPath: 'metadata.name', toFieldPath: 'spec.forProvider.tags[xr]' },
            ],
          },
        ],
      }),
    },
    {
      line: 56,
      object: claim({
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        name: 'orders-db',
        namespace: 'shop',
        spec: { parameters: { size: 'medium' }, writeConnectionSecretToRef: { name: 'orders-db-conn' } },
      }),
    },
  ].map(({ line, object }) => ({ object, file: 'db.yaml', line }));
  test('size medium maps to a concrete instance class and storage', () => {
    const catalog = buildCatalog(objects);
    expect(catalog.errors).toEqual([]);
    const [claim] = catalog.instances;
    expect(claim!.value).toMatchObject({
      role: 'claim',
      name: 'orders-db',
      namespace: 'shop',
      writeConnectionSecretToRef: { name: 'orders-db-conn' },
    });
    const selection = selectComposition(
      claim!.value,
      claim!.xrd,
      catalog.compositions.map((c) => c.value),
    );
    expect(selection).toMatchObject({
      reason: 'default',
      ambiguous: false,
      compositionUpdatePolicy: 'Automatic',
    });
    const composite = buildCompositeView({
      object: claim!.object,
      xrd: claim!.xrd,
      compositionName: selection.composition!.name,
    });
    expect(composite).toMatchObject({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'XPostgreSQLInstance',
      spec: {
        parameters: { size: 'medium' },
        claimRef: { name: 'orders-db', namespace: 'shop' },
        compositionRef: { name: 'postgres-aws' },
      },
    });
    const result = renderComposed({ composite, composition: selection.composition! });
    expect(result.errors).toEqual([]);
    expect(result.resources[0]!.object.spec).toEqual({
      forProvider: {
        engine: 'postgres',
        region: 'eu-west-1',
        instanceClass: 'db.t3.medium',
        allocatedStorage: 100,
        tags: { namespace: 'shop', xr: KNOWN_AFTER_APPLY },
      },
    });
    // Paths are canonical crossplane-runtime field paths: brackets only where a key has a period.
    expect(result.resources[0]!.unknownPaths).toEqual(['metadata.name', 'spec.forProvider.tags.xr']);
  });
});
