import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { scanCrossplaneObjects } from '../../src/crossplane/scan-crossplane-objects.ts';
import { parseManifests } from '../../src/model/parse-manifests.ts';
import { claim, ptComposition, specSchema, xrd } from './crossplane-test-objects.ts';

const DEMO = join(import.meta.dirname, '../../fixtures/demo');
const DB_FILE = 'infra/databases/order-service-db.yaml';
const PG_COMPOSITION = 'crossplane/postgresql/composition.yaml';

/** Objects of demo base files, as the repository scan reports them; `edit` rewrites the text first. */
function load(file: string, edit: (text: string) => string = (t) => t): CrossplaneObject[] {
  const text = edit(readFileSync(join(DEMO, 'base', file), 'utf8'));
  return parseManifests(text).map((d) => ({
    object: d.value as Record<string, unknown>,
    file,
    line: d.line,
  }));
}

const obj = (yaml: string): CrossplaneObject => ({ object: parse(yaml) as Record<string, unknown> });

/** The demo's platform API: the PostgreSQL and Kubernetes cluster XRDs and Compositions. */
function platform(editComposition: (text: string) => string = (t) => t): CrossplaneObject[] {
  return [
    ...load('crossplane/postgresql/definition.yaml'),
    ...load(PG_COMPOSITION, editComposition),
    ...load('crossplane/kubernetes-cluster/definition.yaml'),
    ...load('crossplane/kubernetes-cluster/composition.yaml'),
  ];
}

/** The order service Deployment as Argo CD renders it into its destination namespace. */
const orderService = (): CrossplaneObject[] =>
  load('manifests/order-service/deployment.yaml').map(({ object }) => ({ object, namespace: 'commerce' }));

const size = (to: string) => (text: string) => text.replace('size: medium', `size: ${to}`);

function plan(base: CrossplaneObject[], head: CrossplaneObject[], registerClusterKinds?: string[]) {
  return planClaims({
    base: { objects: base },
    head: { objects: head },
    ...(registerClusterKinds ? { registerClusterKinds } : {}),
  });
}

function claimNamed(result: ReturnType<typeof planClaims>, name: string) {
  const claim = result.claims.find((c) => c.name === name);
  if (!claim) throw new Error(`no claim ${name} in ${result.claims.map((c) => c.name).join(', ')}`);
  return claim;
}

describe('planClaims on the demo repository', () => {
  it('finds nothing to do between the demo base and head (head = base + fixtures/demo/head)', async () => {
    const base = await scanCrossplaneObjects(join(DEMO, 'base'));
    const overlay = await scanCrossplaneObjects(join(DEMO, 'head'));
    const deleted = readFileSync(join(DEMO, 'head-deletions.txt'), 'utf8').split('\n').filter(Boolean);
    const replaced = new Set([...overlay.map((o) => o.file), ...deleted]);
    const head = [...base.filter((o) => !replaced.has(o.file)), ...overlay];
    const result = plan(base, head);
    expect(result.findings).toEqual([]);
    expect(result.claims.map((c) => [c.kind, c.namespace, c.name, c.action, c.destructive])).toEqual([
      ['KubernetesCluster', 'platform', 'prod-ap', 'unchanged', false],
      ['PostgreSQLInstance', 'commerce', 'order-service-db', 'unchanged', false],
    ]);
  });

  it('plans a new claim: size medium maps to its instance class, storage from the claim', () => {
    const result = plan(platform(), [...platform(), ...load(DB_FILE), ...orderService()]);
    expect(result.findings).toEqual([]);
    const claim = claimNamed(result, 'order-service-db');
    expect(claim).toMatchObject({
      apiVersion: 'database.mergeplane.io/v1alpha1',
      kind: 'PostgreSQLInstance',
      namespace: 'commerce',
      action: 'create',
      composition: 'postgresqlinstances.aws.database.mergeplane.io',
      destructive: false,
      file: DB_FILE,
      line: 4,
      summary: { add: 1, change: 0, destroy: 0 },
      connectionSecret: { namespace: 'commerce', name: 'order-service-db-credentials' },
      consumers: ['Deployment commerce/order-service'],
    });
    expect(claim.composed).toHaveLength(1);
    const [rds] = claim.composed;
    expect(rds).toMatchObject({
      apiVersion: 'rds.aws.m.upbound.io/v1beta1',
      kind: 'Instance',
      name: 'rds-instance',
    });
    expect(rds?.action).toBe('create');
    expect(rds?.fields).toEqual(
      expect.arrayContaining([
        { path: 'spec.forProvider.instanceClass', before: undefined, after: 'db.m6g.large' },
        { path: 'spec.forProvider.allocatedStorage', before: undefined, after: 50 },
        { path: 'spec.forProvider.engineVersion', before: undefined, after: '16' },
        // v2: the namespaced RDS instance writes its connection Secret, named after the XR, into its namespace.
        {
          path: 'spec.writeConnectionSecretToRef.name',
          before: undefined,
          after: 'order-service-db-credentials',
        },
        { path: 'metadata.namespace', before: undefined, after: 'commerce' },
        { path: 'spec.forProvider.passwordSecretRef.name', before: undefined, after: KNOWN_AFTER_APPLY },
      ]),
    );
    // Already shown as the entry's identity.
    expect(((rds?.fields ?? []) as { path: string }[]).map((f) => f.path)).not.toContain('kind');
  });

  it('plans a size change as an in-place update of the instance class', () => {
    const result = plan([...platform(), ...load(DB_FILE)], [...platform(), ...load(DB_FILE, size('large'))]);
    expect(result.findings).toEqual([]);
    const claim = claimNamed(result, 'order-service-db');
    expect(claim).toMatchObject({
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    });
    expect(claim.composed).toEqual([
      {
        apiVersion: 'rds.aws.m.upbound.io/v1beta1',
        kind: 'Instance',
        name: 'rds-instance',
        action: 'update',
        fields: [{ path: 'spec.forProvider.instanceClass', before: 'db.m6g.large', after: 'db.r6g.xlarge' }],
      },
    ]);
  });

  it('plans a Composition change for the claims that use it', () => {
    const result = plan(
      [...platform(), ...load(DB_FILE)],
      [
        ...platform((t) => t.replace('backupRetentionPeriod: 7', 'backupRetentionPeriod: 14')),
        ...load(DB_FILE),
      ],
    );
    const claim = claimNamed(result, 'order-service-db');
    expect(claim.action).toBe('update');
    expect(claim.composed[0]?.fields).toEqual([
      { path: 'spec.forProvider.backupRetentionPeriod', before: 7, after: 14 },
    ]);
  });

  it('keeps an XR with compositionUpdatePolicy Manual on its current Composition revision', () => {
    const manual = (t: string) =>
      t.replace('  crossplane:\n', '  crossplane:\n    compositionUpdatePolicy: Manual\n');
    const result = plan(
      [...platform(), ...load(DB_FILE, manual)],
      [
        ...platform((t) => t.replace('backupRetentionPeriod: 7', 'backupRetentionPeriod: 14')),
        ...load(DB_FILE, manual),
      ],
    );
    const claim = claimNamed(result, 'order-service-db');
    expect(claim.action).toBe('deferred');
    expect(claim.composed).toEqual([]);
    expect(claim.composition).toBe('postgresqlinstances.aws.database.mergeplane.io (update policy Manual)');
    expect(claim.deferred?.reason).toContain('compositionUpdatePolicy Manual');
  });

  it('flags removing a claim as destructive, needing approval', () => {
    const result = plan([...platform(), ...load(DB_FILE)], platform());
    const claim = claimNamed(result, 'order-service-db');
    expect(claim).toMatchObject({ action: 'delete', destructive: true, file: DB_FILE, line: 4 });
    expect(claim.summary).toEqual({ add: 0, change: 0, destroy: 1, blocked: 0 });
    expect(claim.composed.map((c) => [c.name, c.action])).toEqual([['rds-instance', 'delete']]);
    expect(result.findings).toEqual([
      {
        id: 'destructive',
        status: 'needs-approval',
        message:
          'destroys PostgreSQLInstance commerce/order-service-db and the managed resources it composes: Instance rds-instance',
        file: DB_FILE,
        line: 4,
      },
    ]);
  });

  it.each([
    { policy: 'deletionPolicy: Orphan', destructive: false },
    { policy: 'managementPolicies: [Observe]', destructive: false },
    { policy: 'managementPolicies: [Observe, Create, Update, LateInitialize]', destructive: false },
    { policy: 'managementPolicies: ["*"]', destructive: true },
    { policy: 'deletionPolicy: Delete', destructive: true },
  ])(
    'removing a claim whose managed resource has $policy: destructive=$destructive',
    ({ policy, destructive }) => {
      const withPolicy = (t: string) =>
        t.replace(
          '              spec:\n                forProvider:',
          `              spec:\n                ${policy}\n                forProvider:`,
        );
      const result = plan([...platform(withPolicy), ...load(DB_FILE)], platform(withPolicy));
      const claim = claimNamed(result, 'order-service-db');
      expect(claim.action).toBe('delete');
      expect(claim.destructive).toBe(destructive);
      expect(claim.composed[0]?.action).toBe(destructive ? 'delete' : 'orphan');
      expect(claim.summary?.destroy).toBe(destructive ? 1 : 0);
      expect(result.findings.map((f) => f.id)).toEqual(destructive ? ['destructive'] : []);
    },
  );

  it('flags a composed managed resource that disappears from a kept claim', () => {
    const renamed = (t: string) => t.replace('- name: rds-instance', '- name: database');
    const result = plan([...platform(), ...load(DB_FILE)], [...platform(renamed), ...load(DB_FILE)]);
    const claim = claimNamed(result, 'order-service-db');
    expect(claim.action).toBe('update');
    expect(claim.destructive).toBe(true);
    expect(claim.summary).toEqual({ add: 1, change: 0, destroy: 1, blocked: 0 });
    expect(result.findings).toEqual([
      expect.objectContaining({
        id: 'destructive',
        message: 'destroys Instance rds-instance composed by PostgreSQLInstance commerce/order-service-db',
      }),
    ]);
  });

  it('reports steps of other functions as not predicted, never guessed', () => {
    const withKcl = (t: string) =>
      `${t}    - step: extra-resources\n      functionRef:\n        name: function-kcl\n      input:\n        apiVersion: krm.kcl.dev/v1alpha1\n        kind: KCLInput\n`;
    const result = plan(platform(withKcl), [...platform(withKcl), ...load(DB_FILE)]);
    const claim = claimNamed(result, 'order-service-db');
    expect(claim.composed.map((c) => [c.kind, c.name, c.action])).toEqual([
      ['Instance', 'rds-instance', 'create'],
      ['(not predicted)', 'function-kcl', 'unknown'],
    ]);
    expect(claim.composed[1]).toEqual({
      apiVersion: '',
      kind: '(not predicted)',
      name: 'function-kcl',
      action: 'unknown',
      fields:
        'composed resources not predicted: function function-kcl: a KCL program, which Mergeplane does not run',
    });
  });

  it('fails a claim that violates its XRD schema, at the claim’s file and line', () => {
    const result = plan([...platform(), ...load(DB_FILE)], [...platform(), ...load(DB_FILE, size('huge'))]);
    expect(result.findings).toEqual([
      {
        id: 'claims',
        status: 'fail',
        message: expect.stringMatching(
          /^PostgreSQLInstance commerce\/order-service-db: spec\.parameters\.size: unsupported value "huge"/,
        ),
        file: DB_FILE,
        line: 4,
      },
    ]);
  });

  it('does not fail an unchanged claim for an error it already had, but notes it', () => {
    const invalid = load(DB_FILE, size('huge'));
    const result = plan([...platform(), ...invalid], [...platform(), ...invalid]);
    expect(result.findings).toEqual([]);
    expect(claimNamed(result, 'order-service-db').notes).toEqual(
      expect.arrayContaining([expect.stringContaining('invalid before this change: spec.parameters.size')]),
    );
  });

  it('fails an existing claim that an XRD change makes invalid', () => {
    const stricter = load('crossplane/postgresql/definition.yaml', (t) =>
      t.replace('maximum: 1000', 'maximum: 40'),
    );
    const result = plan(
      [...platform(), ...load(DB_FILE)],
      [...stricter, ...platform().slice(1), ...load(DB_FILE)],
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        id: 'claims',
        status: 'fail',
        message: expect.stringContaining('spec.parameters.storageGB'),
      }),
    ]);
  });

  it('marks cluster claims that Mergeplane registers with Argo CD', () => {
    const cluster = load('infra/clusters/prod-ap.yaml');
    const unannotated = load('infra/clusters/prod-ap.yaml', (t) =>
      t.replace('mergeplane.io/register-cluster: "true"', 'team: platform'),
    );
    expect(claimNamed(plan(platform(), [...platform(), ...cluster]), 'prod-ap')).toMatchObject({
      action: 'create',
      registersCluster: true,
      connectionSecret: { namespace: 'platform', name: 'prod-ap-kubeconfig' },
    });
    expect(
      claimNamed(plan(platform(), [...platform(), ...unannotated]), 'prod-ap').registersCluster,
    ).toBeUndefined();
    for (const kinds of [['KubernetesCluster'], ['platform.mergeplane.io/KubernetesCluster']]) {
      expect(
        claimNamed(plan(platform(), [...platform(), ...unannotated], kinds), 'prod-ap').registersCluster,
      ).toBe(true);
    }
    const created = claimNamed(plan(platform(), [...platform(), ...cluster]), 'prod-ap');
    expect(created.composed.map((c) => c.name)).toEqual(['cluster-auth', 'control-plane', 'node-group']);
    expect(created.composed.find((c) => c.name === 'node-group')?.fields).toEqual(
      expect.arrayContaining([
        { path: 'spec.forProvider.instanceTypes[0]', before: undefined, after: 'm6i.large' },
      ]),
    );
  });

  it('treats a manifest without namespace and its rendered copy as one claim', () => {
    const bare = load(DB_FILE, (t) => t.replace('  namespace: commerce\n', ''));
    const rendered = load(DB_FILE).map(({ object }) => ({ object }));
    const result = plan(platform(), [...platform(), ...bare, ...rendered]);
    expect(result.claims.map((c) => [c.namespace, c.name, c.action, c.file])).toEqual([
      ['commerce', 'order-service-db', 'create', DB_FILE],
    ]);
    const hinted = plan(platform(), [...platform(), ...bare.map((o) => ({ ...o, namespace: 'commerce' }))]);
    expect(hinted.claims.map((c) => `${c.namespace}/${c.name}`)).toEqual(['commerce/order-service-db']);
  });

  it('plans only the claim-level change of a claim whose XRD is not in the repository', () => {
    const bucket = (region: string): CrossplaneObject => ({
      object: claim({
        apiVersion: 'storage.example.org/v1',
        kind: 'Bucket',
        name: 'assets',
        namespace: 'web',
        spec: { region, compositionRef: { name: 'bucket-s3' } },
      }),
    });
    const updated = plan([bucket('eu-west-1')], [bucket('us-east-1')]);
    expect(updated.findings).toEqual([]);
    expect(updated.claims).toEqual([
      expect.objectContaining({
        kind: 'Bucket',
        action: 'update',
        composition: 'bucket-s3',
        composed: [],
        destructive: false,
        notes: [expect.stringContaining('no CompositeResourceDefinition for storage.example.org Bucket')],
      }),
    ]);
    // Nothing is known about what it composes: removing it is assumed to destroy its resources.
    const removed = plan([bucket('eu-west-1')], []);
    expect(removed.claims[0]).toMatchObject({ action: 'delete', destructive: true });
    expect(removed.findings.map((f) => f.status)).toEqual(['needs-approval']);
  });

  it('plans a Crossplane v2 namespaced XR: composed Secret as connection secret, MRs deleted by default', () => {
    const v2 = [
      xrd({
        apiVersion: 'apiextensions.crossplane.io/v2',
        group: 'example.org',
        kind: 'Cache',
        plural: 'caches',
        schema: specSchema({ nodes: { type: 'integer' } }),
      }),
      ptComposition({
        name: 'cache-aws',
        compositeType: { apiVersion: 'example.org/v1', kind: 'Cache' },
        resources: [
          {
            name: 'cluster',
            base: {
              apiVersion: 'elasticache.aws.m.upbound.io/v1beta1',
              kind: 'ReplicationGroup',
              spec: { forProvider: { numCacheClusters: 1 } },
            },
            patches: [{ fromFieldPath: 'spec.nodes', toFieldPath: 'spec.forProvider.numCacheClusters' }],
          },
          {
            name: 'secret',
            base: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cache-endpoint' } },
          },
        ],
      }),
    ].map((object) => ({ object }));
    const xr = {
      object: claim({
        apiVersion: 'example.org/v1',
        kind: 'Cache',
        name: 'sessions',
        namespace: 'web',
        spec: { nodes: 2 },
      }),
    };
    const consumer = obj(`
apiVersion: batch/v1
kind: CronJob
metadata: { name: purge, namespace: web }
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: purge
            envFrom: [{ secretRef: { name: cache-endpoint } }]
`);
    const created = plan(v2, [...v2, xr, consumer]);
    expect(created.claims[0]).toMatchObject({
      kind: 'Cache',
      namespace: 'web',
      action: 'create',
      composition: 'cache-aws',
      connectionSecret: { namespace: 'web', name: 'cache-endpoint' },
      consumers: ['CronJob web/purge'],
      summary: { add: 2, change: 0, destroy: 0 },
    });
    const removed = plan([...v2, xr], v2);
    expect(removed.claims[0]).toMatchObject({ action: 'delete', destructive: true, summary: { destroy: 2 } });
    expect(removed.findings[0]?.message).toBe(
      'destroys Cache web/sessions and the managed resources it composes: ReplicationGroup cluster',
    );
  });

  it('fails on a Composition the change breaks', () => {
    const broken = obj(`
apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: { name: broken }
spec: { mode: Pipeline }
`);
    const result = plan(platform(), [...platform(), { ...broken, file: 'crossplane/broken.yaml', line: 1 }]);
    expect(result.findings).toEqual([
      expect.objectContaining({ id: 'claims', status: 'fail', file: 'crossplane/broken.yaml', line: 1 }),
    ]);
  });
});
