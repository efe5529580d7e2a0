import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { immutableFieldPaths } from '../../src/crossplane/detect-replacement.ts';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';

const obj = (yaml: string): CrossplaneObject => ({ object: parse(yaml) as Record<string, unknown> });

const XRD = obj(`
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xbuckets.storage.example.org
spec:
  group: storage.example.org
  names: { kind: XBucket, plural: xbuckets }
  claimNames: { kind: Bucket, plural: buckets }
  versions:
    - name: v1alpha1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                parameters:
                  type: object
                  properties:
                    region: { type: string }
                    storageClass: { type: string }
                    bucketName: { type: string }
                    expireDays: { type: integer }
                    kmsKey: { type: string }
                    deletionPolicy: { type: string }
`);

const COMPOSITION = obj(`
apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata:
  name: xbuckets.aws.storage.example.org
spec:
  compositeTypeRef: { apiVersion: storage.example.org/v1alpha1, kind: XBucket }
  mode: Pipeline
  pipeline:
    - step: patch-and-transform
      functionRef: { name: function-patch-and-transform }
      input:
        apiVersion: pt.fn.crossplane.io/v1beta1
        kind: Resources
        resources:
          - name: bucket
            base:
              apiVersion: s3.aws.example.io/v1beta1
              kind: Bucket
              spec:
                forProvider:
                  lifecycleRule:
                    - id: expire
                      days: 30
            patches:
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.region, toFieldPath: spec.forProvider.region }
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.storageClass, toFieldPath: spec.forProvider.storageClass }
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.bucketName, toFieldPath: spec.forProvider.bucketName }
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.expireDays, toFieldPath: "spec.forProvider.lifecycleRule[0].days" }
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.kmsKey, toFieldPath: spec.forProvider.kmsKey }
              - { type: FromCompositeFieldPath, fromFieldPath: spec.parameters.deletionPolicy, toFieldPath: spec.deletionPolicy }
`);

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
    object: {
      apiVersion: 'storage.example.org/v1alpha1',
      kind: 'Bucket',
      metadata: { name: 'logs', namespace: 'team-a' },
      spec: { parameters, compositionRef: { name: 'xbuckets.aws.storage.example.org' } },
    },
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

describe('replacement of composed resources on immutable fields', () => {
  const cases: {
    name: string;
    head: Params;
    base?: Params;
    crds?: CrossplaneObject[];
    action: string;
    destructive: boolean;
    summary: { add: number; change: number; destroy: number };
    forced?: string[];
  }[] = [
    {
      name: 'an immutable leaf changed is replaced',
      head: { ...DEFAULTS, region: 'us-east-1' },
      action: 'replace',
      destructive: true,
      summary: { add: 1, change: 0, destroy: 1 },
      forced: ['spec.forProvider.region'],
    },
    {
      name: 'a mutable field changed is updated in place',
      head: { ...DEFAULTS, storageClass: 'GLACIER' },
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    },
    {
      name: 'without the provider CRD an immutable change is an update',
      head: { ...DEFAULTS, region: 'us-east-1' },
      crds: [],
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    },
    {
      name: 'a CRD that does not serve the composed version says nothing',
      head: { ...DEFAULTS, region: 'us-east-1' },
      crds: [obj(CRD_YAML.replace('served: true', 'served: false'))],
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    },
    {
      name: 'an immutable field inside a map-keyed list item is replaced',
      head: { ...DEFAULTS, expireDays: 90 },
      action: 'replace',
      destructive: true,
      summary: { add: 1, change: 0, destroy: 1 },
      forced: ['spec.forProvider.lifecycleRule[0].days'],
    },
    {
      name: 'under an atomic list the item rule is never evaluated',
      head: { ...DEFAULTS, expireDays: 90 },
      crds: [obj(CRD_YAML.replace('x-kubernetes-list-type: map', 'x-kubernetes-list-type: atomic'))],
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    },
    {
      name: 'a parent rule self.x == oldSelf.x makes x immutable',
      head: { ...DEFAULTS, bucketName: 'logs-v2' },
      action: 'replace',
      destructive: true,
      summary: { add: 1, change: 0, destroy: 1 },
      forced: ['spec.forProvider.bucketName'],
    },
    {
      name: 'setting an immutable field that was unset is allowed in place',
      head: { ...DEFAULTS, kmsKey: 'alias/logs' },
      action: 'update',
      destructive: false,
      summary: { add: 0, change: 1, destroy: 0 },
    },
    {
      name: 'an Orphan policy resource is replaced without destroying it',
      base: { ...DEFAULTS, deletionPolicy: 'Orphan' },
      head: { ...DEFAULTS, deletionPolicy: 'Orphan', region: 'us-east-1' },
      action: 'replace',
      destructive: false,
      summary: { add: 1, change: 0, destroy: 0 },
      forced: ['spec.forProvider.region'],
    },
  ];

  it.each(cases)('$name', ({ base, head, crds, action, destructive, summary, forced }) => {
    const result = plan(base ?? DEFAULTS, head, crds);
    const [report] = result.claims;
    expect(report).toMatchObject({ action: 'update', destructive, summary });
    expect(report?.composed).toHaveLength(1);
    const [bucket] = report!.composed;
    expect(bucket?.action).toBe(action);
    const fields = bucket?.fields as { path: string; forcesReplacement?: boolean }[];
    expect(fields.filter((f) => f.forcesReplacement).map((f) => f.path)).toEqual(forced ?? []);
    const findings = result.findings.filter((f) => f.id === 'destructive');
    if (destructive) {
      expect(findings).toEqual([
        expect.objectContaining({
          status: 'needs-approval',
          file: 'claims/logs.yaml',
          message: expect.stringContaining(`replaces Bucket bucket (immutable ${forced?.join(', ')})`),
        }),
      ]);
    } else {
      expect(findings).toEqual([]);
    }
    expect(bucket?.orphan).toBe(action === 'replace' && !destructive ? true : undefined);
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
