import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { parseManifests } from '../../src/model/parse-manifests.ts';
import type { ClaimReport } from '../../src/model/plan-report.ts';

/*
 * Upbound's public configurations (test/fixtures/upbound, Apache-2.0), planned as a user would: the XRD and the
 * Composition at base, the example XR added at head. Expected values are worked out by hand from the templates and
 * the functions' documented behaviour on the first reconcile (nothing observed yet but the XR).
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/upbound');

function load(file: string, edit: (text: string) => string = (t) => t): CrossplaneObject[] {
  const text = edit(readFileSync(join(FIXTURES, file), 'utf8'));
  return parseManifests(text).map((d) => ({
    object: d.value as Record<string, unknown>,
    file,
    line: d.line,
  }));
}

function plannedXr(platform: CrossplaneObject[], xr: CrossplaneObject[]): ClaimReport {
  const result = planClaims({ base: { objects: platform }, head: { objects: [...platform, ...xr] } });
  expect(result.claims).toHaveLength(1);
  return result.claims[0]!;
}

/** The created composed resource `name`, as `path → value` from its field list. */
function created(claim: ClaimReport, name: string): Record<string, unknown> {
  const resource = claim.composed.find((c) => c.name === name);
  if (!resource) throw new Error(`no composed ${name} in ${claim.composed.map((c) => c.name).join(', ')}`);
  expect(resource.action).toBe('create');
  const fields = resource.fields as { path: string; after: unknown }[];
  return {
    kind: resource.kind,
    apiVersion: resource.apiVersion,
    ...Object.fromEntries(fields.map((f) => [f.path, f.after])),
  };
}

describe('configuration-aws-network v0.23.0 (function-go-templating)', () => {
  const platform = [
    ...load('configuration-aws-network/apis/definition.yaml'),
    ...load('configuration-aws-network/apis/gotpl/composition.yaml'),
  ];
  const xr = load('configuration-aws-network/examples/gotpl/network-xr.yaml');
  const claim = plannedXr(platform, xr);
  const EC2 = 'ec2.aws.upbound.io/v1beta1';
  const subnets = [
    ['us-west-2a', '192.168.0.0/18', '192-168-0-0-18', 'public'],
    ['us-west-2b', '192.168.64.0/18', '192-168-64-0-18', 'public'],
    ['us-west-2a', '192.168.128.0/18', '192-168-128-0-18', 'private'],
    ['us-west-2b', '192.168.192.0/18', '192-168-192-0-18', 'private'],
  ] as const;

  it('predicts all 16 composed resources and nothing is left unpredicted', () => {
    expect(claim.action).toBe('create');
    expect(claim.composed.filter((c) => c.action === 'unknown')).toEqual([]);
    expect(claim.composed.map((c) => c.name).sort()).toEqual(
      [
        'vpc',
        'igw',
        ...subnets.map(([zone, , cidr, type]) => `subnet-${zone}-${cidr}-${type}`),
        'rt',
        'route',
        'mrt',
        ...subnets.map(([zone, , cidr, type]) => `rta-${zone}-${cidr}-${type}`),
        'sg',
        'sgrp',
        'sgrm',
      ].sort(),
    );
    expect(claim.composed.every((c) => c.apiVersion === EC2)).toBe(true);
    expect(claim.summary).toEqual({ add: 16, change: 0, destroy: 0, blocked: 0 });
  });

  it('fills the VPC from the XR parameters, with the XRD defaults applied', () => {
    expect(created(claim, 'vpc')).toMatchObject({
      kind: 'VPC',
      'spec.forProvider.cidrBlock': '192.168.0.0/16',
      'spec.forProvider.enableDnsHostnames': true,
      'spec.forProvider.enableDnsSupport': true,
      'spec.forProvider.tags.Name': 'configuration-aws-network-gotpl',
      'spec.forProvider.region': 'us-west-2',
      'spec.providerConfigRef.name': 'default',
      'spec.deletionPolicy': 'Delete',
      'metadata.labels[networks.aws.platform.upbound.io/network-id]': 'configuration-aws-network',
      // The template names no object: Crossplane generates `<xr>-<suffix>`.
      'metadata.name': KNOWN_AFTER_APPLY,
    });
  });

  it.each(subnets)('ranges over the subnets: %s %s (%s) is %s', (zone, cidrBlock, cidr, type) => {
    const subnet = created(claim, `subnet-${zone}-${cidr}-${type}`);
    expect(subnet).toMatchObject({
      kind: 'Subnet',
      'spec.forProvider.cidrBlock': cidrBlock,
      'spec.forProvider.availabilityZone': zone,
      'spec.forProvider.region': 'us-west-2',
      'spec.forProvider.vpcIdSelector.matchControllerRef': true,
      'metadata.labels.zone': zone,
      'metadata.labels.access': type,
    });
    if (type === 'public') {
      expect(subnet['spec.forProvider.mapPublicIpOnLaunch']).toBe(true);
      expect(subnet['spec.forProvider.tags[kubernetes.io/role/elb]']).toBe('1');
    } else {
      expect(subnet['spec.forProvider.mapPublicIpOnLaunch']).toBeUndefined();
      expect(subnet['spec.forProvider.tags[kubernetes.io/role/internal-elb]']).toBe('1');
    }
    const association = created(claim, `rta-${zone}-${cidr}-${type}`);
    expect(association).toMatchObject({
      kind: 'RouteTableAssociation',
      'spec.forProvider.subnetIdSelector.matchLabels.access': type,
      'spec.forProvider.subnetIdSelector.matchLabels.zone': zone,
    });
  });

  it('fills the security group rules', () => {
    expect(created(claim, 'sgrp')).toMatchObject({
      kind: 'SecurityGroupRule',
      'spec.forProvider.fromPort': 5432,
      'spec.forProvider.toPort': 5432,
      'spec.forProvider.cidrBlocks[0]': '0.0.0.0/0',
    });
    expect(created(claim, 'sgrm')).toMatchObject({ 'spec.forProvider.fromPort': 3306 });
  });

  it('shows a parameter change as updates of the resources the template derives from it', () => {
    const moved = (t: string) => t.replace('region: us-west-2', 'region: us-east-1');
    const result = planClaims({
      base: { objects: [...platform, ...xr] },
      head: {
        objects: [...platform, ...load('configuration-aws-network/examples/gotpl/network-xr.yaml', moved)],
      },
    });
    const updated = result.claims[0]!.composed.filter((c) => c.action === 'update');
    expect(updated).toHaveLength(16);
    expect(updated.find((c) => c.name === 'vpc')?.fields).toEqual([
      { path: 'spec.forProvider.region', before: 'us-west-2', after: 'us-east-1' },
    ]);
  });
});

describe('configuration-aws-eks (patch-and-transform, function-cel-filter, function-sequencer)', () => {
  const platform = [
    ...load('configuration-aws-eks/apis/definition.yaml'),
    ...load('configuration-aws-eks/apis/pat/composition.yaml'),
  ];
  const withIam = (t: string) =>
    t.replace('    nodes:', '    iam:\n      principalArn: arn:aws:iam::123456789012:role/admin\n    nodes:');

  it('drops the access entries the CEL filter rejects when the XR has no iam.principalArn', () => {
    const claim = plannedXr(platform, load('configuration-aws-eks/examples/pat/eks-xr.yaml'));
    const names = claim.composed.map((c) => c.name);
    expect(names).not.toContain('accessEntry');
    expect(names).not.toContain('accessPolicyAssociation');
    expect(claim.composed.filter((c) => c.action === 'unknown')).toEqual([]);
    expect(created(claim, 'kubernetesCluster')).toMatchObject({
      kind: 'Cluster',
      'spec.forProvider.region': 'us-west-2',
      'spec.forProvider.version': '1.27',
    });
  });

  it('keeps them when it has one', () => {
    const claim = plannedXr(platform, load('configuration-aws-eks/examples/pat/eks-xr.yaml', withIam));
    const names = claim.composed.map((c) => c.name);
    expect(names).toContain('accessEntry');
    expect(names).toContain('accessPolicyAssociation');
  });

  it('says which resources the sequencer holds back until earlier ones are ready', () => {
    const claim = plannedXr(platform, load('configuration-aws-eks/examples/pat/eks-xr.yaml'));
    const notes = claim.notes ?? [];
    const waiting = (name: string) => notes.find((n) => n.includes(`${name} is first created only once`));
    expect(waiting('kubernetesClusterAuth')).toContain('only once kubernetesCluster is ready');
    expect(waiting('vpc-cni-addon')).toContain(
      'only once kubernetesCluster, kubernetesClusterAuth are ready',
    );
    expect(waiting('aws-ebs-csi-driver-addon')).toContain('only once nodeGroupPublic is ready');
    expect(waiting('eks-pod-identity-agent-addon')).toContain('only once nodeGroupPublic is ready');
    expect(waiting('kubernetesCluster')).toBeUndefined();
    expect(waiting('controlplaneRole')).toBeUndefined();
  });
});

describe('configurations whose logic is an embedded function package', () => {
  it.each([
    [
      'platform-ref-aws-v1.6.0',
      'apis/definition.yaml',
      'apis/composition.yaml',
      'examples/cluster-claim.yaml',
      'upbound-platform-ref-awsxcluster',
    ],
    [
      'configuration-aws-network-main',
      'apis/networks/definition.yaml',
      'apis/networks/composition.yaml',
      'examples/networks/configuration-aws-network.yaml',
      'upbound-configuration-aws-networknetwork',
    ],
  ])(
    '%s: the embedded KCL function is named as not predicted, not guessed',
    (dir, definition, composition, example, fn) => {
      const claim = plannedXr(
        [...load(`${dir}/${definition}`), ...load(`${dir}/${composition}`)],
        load(`${dir}/${example}`),
      );
      expect(claim.composed).toEqual([
        {
          apiVersion: '',
          kind: '(not predicted)',
          name: fn,
          action: 'unknown',
          fields: `composed resources not predicted: function ${fn}: its logic is in the function package, not in the Composition`,
        },
      ]);
    },
  );
});
