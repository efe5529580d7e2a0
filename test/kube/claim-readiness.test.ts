import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  composedResourceProblem,
  composedResourceRefs,
  compositeRefOf,
  evaluateClaimReadiness,
} from '../../src/kube/claim-readiness.ts';

interface Row {
  name: string;
  yaml: string;
  ready: boolean;
  reason: RegExp;
  details: string[];
}

const rows: Row[] = [
  {
    name: 'Synced and Ready True at the current generation (per condition, as Crossplane writes it)',
    yaml: `
metadata: { generation: 3 }
status:
  conditions:
    - { type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 3 }
    - { type: Ready, status: "True", reason: Available, observedGeneration: 3 }`,
    ready: true,
    reason: /Synced and Ready/,
    details: [],
  },
  {
    name: 'status.observedGeneration is the fallback',
    yaml: `
metadata: { generation: 2 }
status:
  observedGeneration: 2
  conditions: [{ type: Synced, status: "True" }, { type: Ready, status: "True" }]`,
    ready: true,
    reason: /Synced and Ready/,
    details: [],
  },
  {
    name: 'Ready observed for an older generation is not ready',
    yaml: `
metadata: { generation: 4 }
status:
  conditions:
    - { type: Synced, status: "True", observedGeneration: 4 }
    - { type: Ready, status: "True", observedGeneration: 3 }`,
    ready: false,
    reason: /Ready=True observed for generation 3, not the current 4/,
    details: [],
  },
  {
    name: 'conditions without any observed generation are not trusted',
    yaml: `
metadata: { generation: 1 }
status: { conditions: [{ type: Synced, status: "True" }, { type: Ready, status: "True" }] }`,
    ready: false,
    reason: /generation unknown/,
    details: [],
  },
  {
    name: 'Creating lists the non-True conditions with reason and message',
    yaml: `
metadata: { generation: 1 }
status:
  conditions:
    - { type: Synced, status: "True", observedGeneration: 1 }
    - { type: Ready, status: "False", reason: Creating, message: "Unready resources: cluster", observedGeneration: 1 }`,
    ready: false,
    reason: /Ready=False \(Creating\): Unready resources: cluster/,
    details: ['Ready=False (Creating): Unready resources: cluster'],
  },
  {
    name: 'a reconcile error shows in details',
    yaml: `
metadata: { generation: 1 }
status:
  conditions:
    - { type: Synced, status: "False", reason: ReconcileError, message: "cannot compose resources", observedGeneration: 1 }
    - { type: Ready, status: "Unknown", observedGeneration: 1 }
    - { type: Healthy, status: "True" }`,
    ready: false,
    reason: /Synced=False \(ReconcileError\): cannot compose resources/,
    details: ['Synced=False (ReconcileError): cannot compose resources', 'Ready=Unknown'],
  },
  {
    name: 'no status yet',
    yaml: 'metadata: { generation: 1 }',
    ready: false,
    reason: /Synced not reported yet; Ready not reported yet/,
    details: ['Synced: not reported yet', 'Ready: not reported yet'],
  },
];

describe('evaluateClaimReadiness', () => {
  it.each(rows)('$name', (row) => {
    const result = evaluateClaimReadiness(parse(row.yaml));
    expect(result.ready).toBe(row.ready);
    expect(result.reason).toMatch(row.reason);
    expect(result.details).toEqual(row.details);
  });

  it('an absent object is not ready', () => {
    expect(evaluateClaimReadiness(undefined)).toMatchObject({
      ready: false,
      reason: 'the object does not exist',
    });
  });
});

describe('composed resources', () => {
  it('collects v1 spec.resourceRefs, v2 spec.crossplane.resourceRefs and status.resourceRefs without duplicates', () => {
    const refs = composedResourceRefs(
      parse(`
spec:
  resourceRefs: [{ apiVersion: s3.aws.upbound.io/v1beta1, kind: Bucket, name: logs }, { kind: Broken }]
  crossplane:
    resourceRefs: [{ apiVersion: v1, kind: ConfigMap, name: cfg, namespace: team-a }]
status:
  resourceRefs: [{ apiVersion: s3.aws.upbound.io/v1beta1, kind: Bucket, name: logs }]`),
    );
    expect(refs).toEqual([
      { apiVersion: 's3.aws.upbound.io/v1beta1', kind: 'Bucket', name: 'logs' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'team-a' },
    ]);
  });

  it("reads a v1 claim's composite reference", () => {
    expect(
      compositeRefOf(parse('spec: { resourceRef: { apiVersion: x.io/v1, kind: XCluster, name: c-1 } }')),
    ).toEqual({
      apiVersion: 'x.io/v1',
      kind: 'XCluster',
      name: 'c-1',
    });
    expect(compositeRefOf(parse('spec: {}'))).toBeUndefined();
  });

  it('describes a composed resource that is not Ready, and nothing for one that is', () => {
    const bucket = { apiVersion: 's3.aws.upbound.io/v1beta1', kind: 'Bucket', name: 'logs' };
    expect(composedResourceProblem(bucket, undefined)).toBe('Bucket/logs: not found');
    expect(
      composedResourceProblem(
        bucket,
        parse(
          'status: { conditions: [{ type: Ready, status: "False", reason: Creating }, { type: Synced, status: "True" }] }',
        ),
      ),
    ).toBe('Bucket/logs: Ready=False (Creating)');
    expect(composedResourceProblem(bucket, parse('status: {}'))).toBe('Bucket/logs: Ready not reported yet');
    expect(
      composedResourceProblem(bucket, parse('status: { conditions: [{ type: Ready, status: "True" }] }')),
    ).toBe(undefined);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'team-a' };
    expect(composedResourceProblem(configMap, parse('data: {}'))).toBeUndefined();
    expect(composedResourceProblem(configMap, undefined)).toBe('ConfigMap/team-a/cfg: not found');
  });
});
