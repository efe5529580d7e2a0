import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { type ClaimsPlan, type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { scanCrossplaneObjects } from '../../src/crossplane/scan-crossplane-objects.ts';
import type { ClaimReport, ComposedResourcePlan } from '../../src/model/plan-report.ts';
import {
  claim,
  objectSchema,
  pipelineComposition,
  ptStep,
  specSchema,
  xrd,
} from './crossplane-test-objects.ts';

// Compositions, XRDs and examples copied from public Apache-2.0 repositories (see each file's header):
// what a new user points Mergeplane at first. Everything is planned as a create.
const FIXTURES = join(import.meta.dirname, 'fixtures');

async function planDir(dir: string, extra: CrossplaneObject[] = []): Promise<ClaimsPlan> {
  const objects = [...(await scanCrossplaneObjects(join(FIXTURES, dir))), ...extra];
  return planClaims({ base: { objects: [] }, head: { objects } });
}

function only(plan: ClaimsPlan): ClaimReport {
  expect(plan.claims).toHaveLength(1);
  return plan.claims[0]!;
}

function resource(claim: ClaimReport, name: string): ComposedResourcePlan {
  const found = claim.composed.find((c) => c.name === name);
  if (!found) throw new Error(`no composed resource ${name}`);
  return found;
}

function valueAfter(entry: ComposedResourcePlan, path: string): unknown {
  if (!Array.isArray(entry.fields)) throw new Error(`${entry.name} has no field changes`);
  return entry.fields.find((f) => f.path === path)?.after;
}

function notPredicted(claim: ClaimReport): [string, unknown][] {
  return claim.composed.filter((c) => c.kind === '(not predicted)').map((c) => [c.name, c.fields]);
}

describe('public Compositions, planned as a new user would', () => {
  it('crossplane e2e v1 claim, legacy mode Resources: patches and transforms the composed resource', async () => {
    const plan = await planDir('crossplane/v1-patch-and-transform');
    const claim = only(plan);
    expect(claim).toMatchObject({
      kind: 'NopResource',
      namespace: 'default',
      name: 'apiextensions-composition-pandt',
      action: 'create',
      composition: 'xnopresources.nop.example.org',
      summary: { add: 1, change: 0, destroy: 0 },
    });
    const nop = resource(claim, 'nop-resource-1');
    expect([nop.apiVersion, nop.kind, nop.action]).toEqual([
      'nop.crossplane.io/v1alpha1',
      'NopResource',
      'create',
    ]);
    expect(valueAfter(nop, 'metadata.annotations.cool-field')).toBe("I'M COOL!");
    expect(valueAfter(nop, 'metadata.name')).toBe(KNOWN_AFTER_APPLY);
    // `compositeDeletePolicy` is a field Crossplane adds to every claim: not an unknown field.
    expect(plan.findings).toEqual([]);
    expect(claim.notes).toEqual([
      'resource nop-resource-1: ToCompositeFieldPath patch to XR status.coolerField runs after the resource exists (not predicted)',
    ]);
  });

  it('crossplane e2e v2 namespaced XR: a function it cannot run is listed as not predicted', async () => {
    const plan = await planDir('crossplane/v2-basic-namespaced');
    const claim = only(plan);
    expect(claim).toMatchObject({
      kind: 'Test',
      namespace: 'default',
      name: 'basic-xr-namespaced',
      composition: 'basic-composition-namespaced',
    });
    expect(notPredicted(claim)).toEqual([
      [
        'function-dummy-ext-basic',
        'composed resources not predicted: function function-dummy-ext-basic: its input (dummy.fn.crossplane.io/v1beta1 Response) is not evaluated offline',
      ],
    ]);
    expect(claim.composed).toHaveLength(1);
    expect(plan.findings).toEqual([]);
  });

  it('platform-ref-aws v1.0.0, Pipeline with function-patch-and-transform: seven composed XRs and Usages', async () => {
    const plan = await planDir('platform-ref-aws/v1.0.0');
    const claim = only(plan);
    expect(claim).toMatchObject({
      kind: 'Cluster',
      name: 'platform-ref-aws',
      composition: 'xclusters.aws.platformref.upbound.io',
      summary: { add: 7, change: 0, destroy: 0 },
      connectionSecret: { namespace: 'default', name: 'platform-ref-aws-kubeconfig' },
    });
    expect(claim.composed.map((c) => `${c.kind} ${c.name}`).sort()).toEqual([
      'Usage usageXEksByArbitraryLabeledRelease',
      'Usage usageXEksByXFlux',
      'Usage usageXEksByXOss',
      'XEKS XEKS',
      'XFlux XFlux',
      'XNetwork XNetwork',
      'XOss XOss',
    ]);
    const network = resource(claim, 'XNetwork');
    expect(valueAfter(network, 'spec.parameters.region')).toBe('us-west-2');
    // spec.parameters.networkSelector is not in the claim: the XRD's default reaches the patch.
    expect(valueAfter(network, 'spec.compositionSelector.matchLabels.type')).toBe('basic');
    const eks = resource(claim, 'XEKS');
    expect(valueAfter(eks, 'spec.parameters.nodes.count')).toBe(3);
    expect(valueAfter(eks, 'spec.parameters.version')).toBe('1.27');
    expect(valueAfter(eks, 'metadata.annotations[crossplane.io/external-name]')).toBe('platform-ref-aws');
    // Patched from the XR's metadata.uid, which only exists once the XR does.
    expect(valueAfter(eks, 'spec.writeConnectionSecretToRef.name')).toBe(KNOWN_AFTER_APPLY);
    expect(valueAfter(resource(claim, 'XFlux'), 'spec.parameters.source.git.ref.name')).toBe(
      'refs/heads/main',
    );
    expect(notPredicted(claim)).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it('platform-ref-aws v2.0.0, an embedded (KCL) function package: not predicted, auto-ready skipped', async () => {
    const plan = await planDir('platform-ref-aws/v2.0.0');
    const claim = only(plan);
    expect(claim).toMatchObject({ kind: 'Cluster', namespace: 'default', name: 'platform-ref-aws' });
    // `crossplane-contrib-function-auto-ready` is function-auto-ready under its package-derived name.
    expect(notPredicted(claim)).toEqual([
      [
        'upbound-platform-ref-awscluster',
        'composed resources not predicted: function upbound-platform-ref-awscluster: its logic is in the function package, not in the Composition',
      ],
    ]);
    expect(plan.findings).toEqual([]);
  });

  it('function-go-templating: a template read from EnvironmentConfigs not in the repository is not predicted', async () => {
    const plan = await planDir('function-go-templating/environment');
    const claim = only(plan);
    expect(claim).toMatchObject({
      kind: 'XR',
      name: 'example-xr',
      composition: 'go-template-context.example.crossplane.io',
    });
    expect(notPredicted(claim)).toEqual([
      [
        'crossplane-contrib-function-go-templating',
        'composed resources not predicted: function crossplane-contrib-function-go-templating: the template is read from the environment (key template), whose EnvironmentConfigs are not in the repository',
      ],
    ]);
    expect(claim.notes).toEqual([
      'EnvironmentConfig sampletemplate is not in the repository',
      'step environmentConfigs: crossplane-contrib-function-environment-configs loads EnvironmentConfigs that were not supplied; values read from the environment are known after apply',
    ]);
  });

  it('function-kcl: a KCL program is not predicted', async () => {
    // The example ships no XRD; a minimal one stands in for the user's.
    const standIn = [
      {
        object: xrd({
          group: 'example.crossplane.io',
          kind: 'XR',
          plural: 'xrs',
          version: 'v1beta1',
          schema: specSchema({ count: { type: 'integer' } }),
        }),
      },
    ];
    const plan = await planDir('function-kcl/resources', standIn);
    const claim = only(plan);
    expect(claim).toMatchObject({ kind: 'XR', name: 'example', composition: 'kcl-function' });
    expect(notPredicted(claim)).toEqual([
      [
        'kcl-function',
        'composed resources not predicted: function kcl-function: a KCL program, which Mergeplane does not run',
      ],
    ]);
    expect(plan.findings).toEqual([]);
  });
});

describe('degrades instead of throwing on what real repositories contain', () => {
  const objects = (...manifests: Record<string, unknown>[]): CrossplaneObject[] =>
    manifests.map((object) => ({ object }));
  const thingXrd = (schema: Record<string, unknown>) =>
    xrd({ group: 'example.org', kind: 'XThing', plural: 'xthings', claimKind: 'Thing', schema });
  const things = (...pipeline: Record<string, unknown>[]) =>
    pipelineComposition({
      name: 'things',
      compositeType: { apiVersion: 'example.org/v1', kind: 'XThing' },
      pipeline,
    });
  /** A ConfigMap patched from spec.name, and from `wildcardSource` onto a wildcard with a bogus transform. */
  const pt = (wildcardSource = 'spec.missing') =>
    ptStep({
      resources: [
        {
          name: 'cm',
          base: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'x' } },
          patches: [
            { fromFieldPath: 'spec.name', toFieldPath: 'data.name' },
            {
              fromFieldPath: wildcardSource,
              toFieldPath: 'items[*].broken',
              transforms: [{ type: 'bogus' }],
            },
          ],
        },
      ],
    });
  const ready = (name: string) => ({ step: 'ready', functionRef: { name } });
  const thing = claim({
    apiVersion: 'example.org/v1',
    kind: 'Thing',
    name: 'one',
    namespace: 'team',
    spec: { name: 'hello' },
  });
  const SCHEMA = specSchema({ name: { type: 'string' }, missing: { type: 'string' } });
  it.each([
    [
      'an XRD schema the API server would refuse',
      objectSchema({ spec: { type: 'object', description: 42, properties: { name: { type: 'string' } } } }),
      'schema could not be read, so the claim was not validated',
    ],
    [
      'a pattern that could backtrack catastrophically',
      specSchema({ name: { type: 'string', pattern: '^(h+)+$' } }),
      'pattern "^(h+)+$" is not checked (not in the RE2 subset checked safely)',
    ],
  ])('%s: planned without validation of that part, with a note', async (_label, schema, note) => {
    const plan = planClaims({
      base: { objects: [] },
      head: { objects: objects(thingXrd(schema), things(pt()), thing) },
    });
    const planned = only(plan);
    expect(planned.notes?.some((n) => n.includes(note))).toBe(true);
    expect(valueAfter(resource(planned, 'cm'), 'data.name')).toBe('hello');
    expect(plan.findings).toEqual([]);
  });

  it.each([
    ['(?i)^HELLO$', 0],
    ['^HELLO$', 1],
  ])('an XRD pattern %s is checked with RE2 semantics (%i finding for "hello")', (pattern, findings) => {
    const plan = planClaims({
      base: { objects: [] },
      head: {
        objects: objects(thingXrd(specSchema({ name: { type: 'string', pattern } })), things(pt()), thing),
      },
    });
    expect(plan.findings.filter((f) => f.id === 'claims')).toHaveLength(findings);
    expect(only(plan).notes?.some((n) => n.includes('is not checked')) ?? false).toBe(false);
  });

  it('a patch whose wildcard target cannot be expanded is an error note, not a crash', () => {
    const plan = planClaims({
      base: { objects: [] },
      head: { objects: objects(thingXrd(SCHEMA), things(pt('spec.name')), thing) },
    });
    const planned = only(plan);
    expect(valueAfter(resource(planned, 'cm'), 'data.name')).toBe('hello');
    expect(planned.notes?.some((n) => n.startsWith('cm patch 1:'))).toBe(true);
  });

  it.each([
    'function-auto-ready',
    'crossplane-contrib-function-auto-ready',
    'upbound-function-auto-ready',
    'function-auto-ready-ext-functions',
  ])('%s composes nothing, so it is not listed as not predicted', (name) => {
    const plan = planClaims({
      base: { objects: [] },
      head: { objects: objects(thingXrd(SCHEMA), things(pt(), ready(name)), thing) },
    });
    expect(notPredicted(only(plan))).toEqual([]);
  });

  it('a lookalike name is still not predicted', () => {
    const plan = planClaims({
      base: { objects: [] },
      head: { objects: objects(thingXrd(SCHEMA), things(pt(), ready('my-function-auto-readyish')), thing) },
    });
    expect(notPredicted(only(plan)).map(([name]) => name)).toEqual(['my-function-auto-readyish']);
  });
});
