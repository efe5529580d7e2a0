import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildCatalog } from '../../src/crossplane/crossplane-catalog.ts';
import { parseCompositeInstance, parseComposition, parseXrd } from '../../src/crossplane/crossplane-model.ts';
import { selectComposition } from '../../src/crossplane/select-composition.ts';
import { claim, pipelineComposition, xrd } from './crossplane-test-objects.ts';

const obj = (yaml: string) => parse(yaml) as Record<string, unknown>;

const DATABASE = { group: 'example.org', kind: 'XDatabase', plural: 'xdatabases', claimKind: 'Database' };

/** The Database XRD, with further `spec` fields such as defaultCompositionRef. */
const databaseXrd = (spec: Record<string, unknown> = {}) => parseXrd(xrd({ ...DATABASE, spec }));

const composition = (name: string, labels: Record<string, string>, kind = 'XDatabase') =>
  parseComposition(
    pipelineComposition({
      name,
      labels,
      compositeType: { apiVersion: 'example.org/v1', kind },
      pipeline: [{ step: 's', functionRef: { name: 'f' } }],
    }),
  );

const compositions = [
  composition('aws-small', { provider: 'aws', size: 'small' }),
  composition('aws-large', { provider: 'aws', size: 'large' }),
  composition('gcp', { provider: 'gcp' }),
  composition('other-type', { provider: 'aws' }, 'XBucket'),
];

/** A Database claim with `spec`, a YAML flow mapping. */
const databaseClaim = (spec: string) =>
  claim({ apiVersion: 'example.org/v1', kind: 'Database', name: 'db', namespace: 'team', spec: obj(spec) });

describe('selectComposition (Crossplane composition selection)', () => {
  test('compositionRef wins over selector and default', () => {
    const x = databaseXrd({ defaultCompositionRef: { name: 'gcp' } });
    const s = selectComposition(
      parseCompositeInstance(
        databaseClaim(
          '{ compositionRef: { name: aws-large }, compositionSelector: { matchLabels: { provider: gcp } } }',
        ),
        x,
      ),
      x,
      compositions,
    );
    expect(s).toMatchObject({ reason: 'ref', ambiguous: false, problems: [] });
    expect(s.composition?.name).toBe('aws-large');
  });

  test('compositionSelector matchLabels picks the single compatible match', () => {
    const x = databaseXrd();
    const s = selectComposition(
      parseCompositeInstance(
        databaseClaim('{ compositionSelector: { matchLabels: { provider: aws, size: small } } }'),
        x,
      ),
      x,
      compositions,
    );
    expect(s).toMatchObject({ reason: 'selector', candidates: ['aws-small'], ambiguous: false });
  });

  test('an ambiguous selector reports every candidate, picks the first by name, and flags it', () => {
    const x = databaseXrd();
    const s = selectComposition(
      parseCompositeInstance(databaseClaim('{ compositionSelector: { matchLabels: { provider: aws } } }'), x),
      x,
      compositions,
    );
    expect(s).toMatchObject({ reason: 'selector', candidates: ['aws-large', 'aws-small'], ambiguous: true });
    expect(s.composition?.name).toBe('aws-large');
    expect(s.problems[0]).toContain('Crossplane picks one at random');
  });

  test('without ref or selector the XRD defaultCompositionRef is used', () => {
    const x = databaseXrd({ defaultCompositionRef: { name: 'gcp' } });
    const s = selectComposition(parseCompositeInstance(databaseClaim('{}'), x), x, compositions);
    expect(s).toMatchObject({ reason: 'default' });
    expect(s.composition?.name).toBe('gcp');
  });

  test('enforcedCompositionRef overrides the claim compositionRef', () => {
    const x = databaseXrd({ enforcedCompositionRef: { name: 'gcp' } });
    const s = selectComposition(
      parseCompositeInstance(databaseClaim('{ compositionRef: { name: aws-large } }'), x),
      x,
      compositions,
    );
    expect(s).toMatchObject({ reason: 'enforced' });
    expect(s.composition?.name).toBe('gcp');
  });

  test('revision ref and update policy are returned for display', () => {
    const x = databaseXrd({ defaultCompositionUpdatePolicy: 'Manual' });
    const s = selectComposition(
      parseCompositeInstance(
        databaseClaim('{ compositionRef: { name: gcp }, compositionRevisionRef: { name: gcp-abc12 } }'),
        x,
      ),
      x,
      compositions,
    );
    expect(s).toMatchObject({ compositionRevisionRef: 'gcp-abc12', compositionUpdatePolicy: 'Manual' });
  });

  test('a missing or incompatible referenced Composition is a problem', () => {
    const x = databaseXrd();
    expect(
      selectComposition(
        parseCompositeInstance(databaseClaim('{ compositionRef: { name: nope } }'), x),
        x,
        compositions,
      ).problems,
    ).toEqual(['Composition nope not found']);
    expect(
      selectComposition(
        parseCompositeInstance(databaseClaim('{ compositionRef: { name: other-type } }'), x),
        x,
        compositions,
      ).problems[0],
    ).toContain('composes example.org/v1 XBucket');
  });

  test('a selector matching nothing compatible selects none', () => {
    const x = databaseXrd();
    const s = selectComposition(
      parseCompositeInstance(
        databaseClaim('{ compositionSelector: { matchLabels: { provider: azure } } }'),
        x,
      ),
      x,
      compositions,
    );
    expect(s).toMatchObject({ composition: undefined, reason: 'none' });
  });
});

describe('buildCatalog and the v1/v2 model', () => {
  const objects = [
    xrd({
      apiVersion: 'apiextensions.crossplane.io/v2',
      name: 'xapps.example.org',
      group: 'example.org',
      kind: 'App',
      plural: 'apps',
    }),
    xrd(DATABASE),
    pipelineComposition({
      name: 'apps',
      compositeType: { apiVersion: 'example.org/v1', kind: 'App' },
      pipeline: [{ step: 'a', functionRef: { name: 'f' } }],
    }),
    claim({
      apiVersion: 'example.org/v1',
      kind: 'App',
      name: 'web',
      namespace: 'team',
      spec: {
        crossplane: { compositionRef: { name: 'apps' }, compositionUpdatePolicy: 'Manual' },
        image: 'nginx',
      },
    }),
    databaseClaim('{ compositionSelector: { matchLabels: { a: b } } }'),
    claim({
      apiVersion: 'example.org/v1',
      kind: 'XDatabase',
      name: 'xdb',
      spec: { compositionRef: { name: 'legacy' } },
    }),
    obj(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: unrelated }`),
    obj(`
apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: { name: broken }
spec: {}`),
  ];
  const catalog = buildCatalog(objects.map((object, i) => ({ object, file: 'all.yaml', line: i + 1 })));

  test('indexes XRDs by claim and composite kind and Compositions by type', () => {
    expect([...catalog.xrdByCompositeKind.keys()].sort()).toEqual([
      'example.org/App',
      'example.org/XDatabase',
    ]);
    expect([...catalog.xrdByClaimKind.keys()]).toEqual(['example.org/Database']);
    expect([...catalog.compositionsByType.keys()]).toEqual(['example.org/v1/App']);
    expect(catalog.errors).toEqual([
      {
        message: 'Composition broken: spec.compositeTypeRef.apiVersion and kind are required',
        file: 'all.yaml',
        line: 8,
      },
    ]);
  });

  test('finds claims and XRs, reading Crossplane fields from spec (v1) or spec.crossplane (v2)', () => {
    expect(catalog.instances.map((i) => [i.value.kind, i.value.role, i.xrd.scope])).toEqual([
      ['App', 'composite', 'Namespaced'],
      ['Database', 'claim', 'LegacyCluster'],
      ['XDatabase', 'composite', 'LegacyCluster'],
    ]);
    expect(catalog.instances[0]!.value).toMatchObject({
      compositionRef: { name: 'apps' },
      compositionUpdatePolicy: 'Manual',
      namespace: 'team',
    });
    expect(catalog.instances[1]!.value.compositionSelector).toEqual({ matchLabels: { a: 'b' } });
    expect(catalog.instances[2]!.value.compositionRef).toEqual({ name: 'legacy' });
  });
});
