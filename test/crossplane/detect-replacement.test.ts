import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { immutableFieldPaths } from '../../src/crossplane/detect-replacement.ts';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { claim as claimObject, parametersSchema, ptComposition, xrd } from './crossplane-test-objects.ts';

const obj = (yaml: string): CrossplaneObject => ({ object: parse(yaml) as Record<string, unknown> });

const XRD: CrossplaneObject = {
  object: xrd({
    group: 'storage.example.org',
    kind: 'XBucket',
    plural: 'xbuckets',
    claimKind: 'Bucket',
    version: 'v1alpha1',
    schema: parametersSchema({
      region: { type: 'string' },
      storageClass: { type: 'string' },
      bucketName: { type: 'string' },
      expireDays: { type: 'integer' },
      kmsKey: { type: 'string' },
      deletionPolicy: { type: 'string' },
    }),
  }),
};

const fromParameter = (parameter: string, toFieldPath: string) => ({
  type: 'FromCompositeFieldPath',
  fromFieldPath: `spec.parameters.${parameter}`,
  toFieldPath,
});

const COMPOSITION: CrossplaneObject = {
  object: ptComposition({
    name: 'xbuckets.aws.storage.example.org',
    compositeType: { apiVersion: 'storage.example.org/v1alpha1', kind: 'XBucket' },
    step: 'patch-and-transform',
    resources: [
      {
        name: 'bucket',
        base: {
          apiVersion: 's3.aws.example.io/v1beta1',
          kind: 'Bucket',
          spec: { forProvider: { lifecycleRule: [{ id: 'expire', days: 30 }] } },
        },
        patches: [
          fromParameter('region', 'spec.forProvider.region'),
          fromParameter('storageClass', 'spec.forProvider.storageClass'),
          fromParameter('bucketName', 'spec.forProvider.bucketName'),
          fromParameter('expireDays', 'spec.forProvider.lifecycleRule[0].days'),
          fromParameter('kmsKey', 'spec.forProvider.kmsKey'),
          fromParameter('deletionPolicy', 'spec.deletionPolicy'),
        ],
      },
    ],
  }),
};

/** The provider CRD: region and lifecycle rule days immutable, bucketName through a parent rule. */
const CRD_YAML = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: buckets.s3.aws.example.io
spec:
  group: s3.aws.example.io
  names: { kind: Bucket, plural: buckets }
  scope: Cluster
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                deletionPolicy: { type: string }
                forProvider:
                  type: object
                  x-kubernetes-validations:
                    - rule: "self.bucketName == oldSelf.bucketName"
                      message: bucketName is immutable
                  properties:
                    region:
                      type: string
                      x-kubernetes-validations:
                        - rule: self == oldSelf
                          message: Value is immutable
                    storageClass: { type: string }
                    bucketName: { type: string }
                    kmsKey:
                      type: string
                      x-kubernetes-validations:
                        - rule: "self==oldSelf"
                    lifecycleRule:
                      type: array
                      x-kubernetes-list-type: map
                      x-kubernetes-list-map-keys: [id]
                      items:
                        type: object
                        properties:
                          id: { type: string }
                          days:
                            type: integer
                            x-kubernetes-validations:
                              - { rule: "oldSelf == self", message: days cannot change }
`;
const CRD = obj(CRD_YAML);

interface Params {
  region?: string;
  storageClass?: string;
  bucketName?: string;
  expireDays?: number;
  kmsKey?: string;
  deletionPolicy?: string;
}

const DEFAULTS: Params = {
  region: 'eu-west-1',
  storageClass: 'STANDARD',
  bucketName: 'logs',
  expireDays: 30,
};

function claim(parameters: Params): CrossplaneObject {
  return {
    object: claimObject({
      apiVersion: 'storage.example.org/v1alpha1',
      kind: 'Bucket',
      name: 'logs',
      namespace: 'team-a',
      spec: { parameters, compositionRef: { name: 'xbuckets.aws.storage.example.org' } },
    }),
    file: 'claims/logs.yaml',
    line: 1,
  };
}

function plan(base: Params, head: Params, crds: CrossplaneObject[] = [CRD]) {
  const platform = [XRD, COMPOSITION, ...crds];
  return planClaims({
    base: { objects: [...platform, claim(base)] },
    head: { objects: [...platform, claim(head)] },
  });
}

describe('updates of immutable composed fields are blocked, not replaced', () => {
  interface Case {
    name: string;
    head: Params;
    base?: Params;
    crds?: CrossplaneObject[];
    action: string;
    summary: { add: number; change: number; destroy: number; blocked: number };
    immutable?: string[];
  }
  /**
   * `change` to the defaults touches the `immutable` field: providers never destroy an external resource to
   * update it, so the API server rejects the update and the managed resource wedges (Synced=False).
   */
  const blocked = (name: string, change: Params, immutable: string): Case => ({
    name,
    head: { ...DEFAULTS, ...change },
    action: 'blocked',
    summary: { add: 0, change: 0, destroy: 0, blocked: 1 },
    immutable: [immutable],
  });
  /** `change` to the defaults updates the bucket in place. */
  const updated = (name: string, change: Params, crds?: CrossplaneObject[]): Case => ({
    name,
    head: { ...DEFAULTS, ...change },
    ...(crds ? { crds } : {}),
    action: 'update',
    summary: { add: 0, change: 1, destroy: 0, blocked: 0 },
  });
  const cases: Case[] = [
    blocked('an immutable leaf changed is blocked', { region: 'us-east-1' }, 'spec.forProvider.region'),
    updated('a mutable field changed is updated in place', { storageClass: 'GLACIER' }),
    updated('without the provider CRD an immutable change is an update', { region: 'us-east-1' }, []),
    updated('a CRD that does not serve the composed version says nothing', { region: 'us-east-1' }, [
      obj(CRD_YAML.replace('served: true', 'served: false')),
    ]),
    blocked(
      'an immutable field inside a map-keyed list item is blocked',
      { expireDays: 90 },
      'spec.forProvider.lifecycleRule[0].days',
    ),
    updated('under an atomic list the item rule is never evaluated', { expireDays: 90 }, [
      obj(CRD_YAML.replace('x-kubernetes-list-type: map', 'x-kubernetes-list-type: atomic')),
    ]),
    blocked(
      'a parent rule self.x == oldSelf.x makes x immutable',
      { bucketName: 'logs-v2' },
      'spec.forProvider.bucketName',
    ),
    updated('setting an immutable field that was unset is allowed in place', { kmsKey: 'alias/logs' }),
    {
      name: 'an Orphan policy changes nothing: the update is rejected all the same',
      base: { ...DEFAULTS, deletionPolicy: 'Orphan' },
      head: { ...DEFAULTS, deletionPolicy: 'Orphan', region: 'us-east-1' },
      action: 'blocked',
      summary: { add: 0, change: 0, destroy: 0, blocked: 1 },
      immutable: ['spec.forProvider.region'],
    },
  ];

  it.each(cases)('$name', ({ base, head, crds, action, summary, immutable }) => {
    const result = plan(base ?? DEFAULTS, head, crds);
    const [report] = result.claims;
    expect(report).toMatchObject({ action: 'update', destructive: false, summary });
    expect(report?.blocked).toBe(action === 'blocked' ? true : undefined);
    expect(report?.composed).toHaveLength(1);
    const [bucket] = report!.composed;
    expect(bucket?.action).toBe(action);
    const fields = bucket?.fields as { path: string; immutable?: boolean }[];
    expect(fields.filter((f) => f.immutable).map((f) => f.path)).toEqual(immutable ?? []);
    expect(result.findings.filter((f) => f.id === 'destructive')).toEqual([]);
    const findings = result.findings.filter((f) => f.id === 'blocked');
    if (action === 'blocked') {
      expect(findings).toEqual([
        {
          id: 'blocked',
          status: 'needs-approval',
          file: 'claims/logs.yaml',
          line: expect.any(Number),
          message: expect.stringContaining(`Bucket bucket (immutable ${immutable?.join(', ')})`),
        },
      ]);
      expect(findings[0]?.message).toContain(
        'Crossplane will not replace this resource; the update will be rejected and the claim will stay not synced until the resource is deleted',
      );
      expect(JSON.stringify(result)).not.toMatch(/replace\b(?! this)/);
    } else {
      expect(findings).toEqual([]);
    }
  });
});

describe('immutableFieldPaths', () => {
  it('lists fields made immutable by self == oldSelf and parent self.x == oldSelf.x rules', () => {
    expect(immutableFieldPaths(CRD.object, 'v1beta1')).toEqual([
      'spec.forProvider.bucketName',
      'spec.forProvider.kmsKey',
      'spec.forProvider.lifecycleRule[*].days',
      'spec.forProvider.region',
    ]);
  });

  it.each([
    ['self == oldSelf', true],
    ['  self==oldSelf ', true],
    ['oldSelf == self', true],
    ['self == oldSelf || self.size() > 0', false],
    ['!has(oldSelf.id) || has(self.id)', false],
    ['self.a == oldSelf.b', false],
  ])('rule %j on a field: immutable %s', (rule, immutable) => {
    const crd = parse(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: x.example.io
  names: { kind: Thing }
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                labels:
                  type: object
                  additionalProperties:
                    type: string
                    x-kubernetes-validations:
                      - rule: ${JSON.stringify(rule)}
`) as Record<string, unknown>;
    expect(immutableFieldPaths(crd, 'v1')).toEqual(immutable ? ['spec.labels[*]'] : []);
    expect(immutableFieldPaths(crd, 'v2')).toEqual([]);
  });
});
