import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clusterTargets,
  findClaimObject,
  registeredCluster,
  withClusterTargets,
} from '../../src/crossplane/cluster-targets.ts';
import type { ClusterEntry } from '../../src/gitops/cluster.ts';
import type { ClaimReport } from '../../src/model/plan-report.ts';

const DEMO = join(import.meta.dirname, '../../fixtures/demo/base');

const yaml = (text: string) => parse(text) as Record<string, unknown>;

const claimObject = (annotations: string, labels = '{}') =>
  yaml(`
apiVersion: platform.mergeplane.io/v1alpha1
kind: KubernetesCluster
metadata:
  name: prod-ap
  namespace: platform
  labels: ${labels}
  annotations:
    mergeplane.io/register-cluster: "true"
${annotations
  .split('\n')
  .filter(Boolean)
  .map((l) => `    ${l}`)
  .join('\n')}
spec: {}
`);

const claim = (action: ClaimReport['action'] = 'create'): ClaimReport => ({
  apiVersion: 'platform.mergeplane.io/v1alpha1',
  kind: 'KubernetesCluster',
  namespace: 'platform',
  name: 'prod-ap',
  action,
  composed: [],
  destructive: false,
  registersCluster: true,
});

const REGISTRY: ClusterEntry[] = [
  {
    name: 'prod-eu',
    server: 'https://prod-eu.example.com',
    labels: { 'workload-cluster': 'true' },
    annotations: {},
  },
];

const WORKLOADS = yaml(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: guestbook }
spec:
  generators:
    - clusters:
        selector:
          matchLabels:
            workload-cluster: "true"
  template:
    metadata: { name: 'guestbook-{{name}}' }
    spec:
      project: default
      source: { repoURL: https://git.example.com/apps.git, path: guestbook, targetRevision: HEAD }
      destination: { server: '{{server}}', namespace: guestbook }
`);

const LIST = yaml(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: static }
spec:
  generators:
    - list:
        elements:
          - cluster: prod-eu
  template:
    metadata: { name: 'static-{{cluster}}' }
    spec:
      project: default
      source: { repoURL: https://git.example.com/apps.git, path: static, targetRevision: HEAD }
      destination: { name: '{{cluster}}', namespace: static }
`);

const MATRIX = yaml(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: addons }
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels:
                  tier: prod
          - list:
              elements:
                - addon: cert-manager
                - addon: external-dns
  template:
    metadata: { name: '{{.addon}}-{{.name}}' }
    spec:
      project: default
      source: { repoURL: https://git.example.com/addons.git, path: '{{.addon}}', targetRevision: HEAD }
      destination: { server: '{{.server}}', namespace: '{{.addon}}' }
`);

const BROKEN = yaml(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: pr-previews }
spec:
  generators:
    - pullRequest: { github: { owner: example, repo: apps } }
  template:
    metadata: { name: 'preview-{{number}}' }
    spec: { project: default, destination: { server: '{{server}}' } }
`);

function targets(o: {
  annotations: string;
  labels?: string;
  action?: ClaimReport['action'];
  clusters?: ClusterEntry[];
}) {
  return clusterTargets({
    claim: claim(o.action),
    claimObject: claimObject(o.annotations, o.labels),
    applicationSets: [{ object: WORKLOADS }, { object: LIST }, { object: MATRIX }],
    clusters: o.clusters ?? REGISTRY,
    root: '/nonexistent',
    isThisRepo: () => true,
  });
}

describe('clusterTargets', () => {
  it.each([
    {
      name: 'a clusters generator selects the new cluster by an annotation label',
      annotations: 'mergeplane.io/cluster-label.workload-cluster: "true"',
      expected: [{ applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] }],
    },
    {
      name: 'without the label the selector does not match: no targets',
      annotations: '',
      expected: [],
    },
    {
      name: 'a label that does not match the selector value',
      annotations: 'mergeplane.io/cluster-label.workload-cluster: "false"',
      expected: [],
    },
    {
      name: 'claim labels listed in mergeplane.io/cluster-labels feed a matrix of clusters × list',
      annotations: 'mergeplane.io/cluster-labels: tier, workload-cluster',
      labels: '{ tier: prod, workload-cluster: "true", team: platform }',
      expected: [
        { applicationSet: 'addons', apps: ['cert-manager-prod-ap', 'external-dns-prod-ap'] },
        { applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] },
      ],
    },
    {
      name: 'claim labels not listed in the annotation are not cluster labels',
      annotations: 'mergeplane.io/cluster-labels: team',
      labels: '{ tier: prod, workload-cluster: "true", team: platform }',
      expected: [],
    },
  ])('$name', ({ annotations, labels, expected }) => {
    const result = targets({ annotations, ...(labels ? { labels } : {}) });
    expect(result.targets).toEqual(expected);
    expect(result.notes).toEqual([]);
  });

  it('uses the cluster name and server annotations, else a placeholder server known after apply', () => {
    expect(registeredCluster(claimObject(''))).toEqual({
      entry: { name: 'prod-ap', server: 'https://prod-ap.cluster.invalid', labels: {}, annotations: {} },
      serverKnown: false,
    });
    const named = registeredCluster(
      claimObject(
        'mergeplane.io/cluster-name: asia-1\nmergeplane.io/cluster-server: https://asia-1.example.com\nmergeplane.io/cluster-label.region: ap',
      ),
    );
    expect(named).toEqual({
      entry: {
        name: 'asia-1',
        server: 'https://asia-1.example.com',
        labels: { region: 'ap' },
        annotations: {},
      },
      serverKnown: true,
    });
  });

  it('skips an ApplicationSet that cannot be expanded offline, with a note', () => {
    const result = clusterTargets({
      claim: claim(),
      claimObject: claimObject('mergeplane.io/cluster-label.workload-cluster: "true"'),
      applicationSets: [{ object: BROKEN, file: 'apps/previews.yaml' }, { object: WORKLOADS }],
      clusters: REGISTRY,
      root: '/nonexistent',
      isThisRepo: () => true,
    });
    expect(result.targets).toEqual([{ applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] }]);
    expect(result.notes).toEqual([
      expect.stringMatching(
        /^cluster targets not evaluated for ApplicationSet pr-previews: .*\(apps\/previews\.yaml\)$/,
      ),
    ]);
  });

  it('reports nothing for a deleted claim, one that registers no cluster, or an already registered cluster', () => {
    const annotations = 'mergeplane.io/cluster-label.workload-cluster: "true"';
    expect(targets({ annotations, action: 'delete' }).targets).toEqual([]);
    const unregistered = clusterTargets({
      claim: { ...claim(), registersCluster: undefined },
      claimObject: claimObject(annotations),
      applicationSets: [{ object: WORKLOADS }],
      clusters: REGISTRY,
      root: '/nonexistent',
      isThisRepo: () => true,
    });
    expect(unregistered.targets).toEqual([]);
    const existing = targets({
      annotations,
      clusters: [...REGISTRY, { name: 'prod-ap', server: 'https://x', labels: {}, annotations: {} }],
    });
    expect(existing.targets).toEqual([]);
    expect(existing.notes).toEqual([expect.stringContaining('cluster prod-ap is already registered')]);
  });

  it('records the cluster and its targets on the claim report', () => {
    const result = targets({ annotations: 'mergeplane.io/cluster-label.workload-cluster: "true"' });
    expect(withClusterTargets(claim(), result)).toMatchObject({
      cluster: { name: 'prod-ap' },
      clusterTargets: [{ applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] }],
    });
    expect(withClusterTargets(claim(), result).cluster).not.toHaveProperty('server');
  });

  it('finds the claim manifest by identity, through the destination namespace when it has none', () => {
    const object = claimObject('');
    const bare = { ...object, metadata: { name: 'prod-ap' } };
    expect(findClaimObject([{ object: LIST }, { object }], claim())).toBe(object);
    expect(findClaimObject([{ object: bare, namespace: 'platform' }], claim())).toBe(bare);
    expect(findClaimObject([{ object: bare, namespace: 'other' }], claim())).toBeUndefined();
    expect(findClaimObject([{ object }], { ...claim(), namespace: 'other' })).toBeUndefined();
  });

  it('targets the demo prod-ap claim with the demo guestbook ApplicationSet once it carries the label', () => {
    // The demo ApplicationSet lives in a Helm chart: undo the chart's escaping as helm template would.
    const appset = yaml(
      readFileSync(join(DEMO, 'apps/templates/guestbook-appset.yaml'), 'utf8')
        .replace(/'\{\{`(.*?)`\}\}'/g, "'$1'")
        .replace(/\{\{ \.Values\.spec\.source\.(\w+) \}\}/g, 'x-$1'),
    );
    const demoClaim = yaml(readFileSync(join(DEMO, 'infra/clusters/prod-ap.yaml'), 'utf8'));
    const run = (object: Record<string, unknown>) =>
      clusterTargets({
        claim: claim(),
        claimObject: object,
        applicationSets: [{ object: appset, file: 'apps/templates/guestbook-appset.yaml' }],
        clusters: [],
        root: '/nonexistent',
        isThisRepo: () => true,
      }).targets;
    expect(run(demoClaim)).toEqual([]);
    const metadata = demoClaim.metadata as { annotations: Record<string, string> };
    const labelled = {
      ...demoClaim,
      metadata: {
        ...metadata,
        annotations: { ...metadata.annotations, 'mergeplane.io/cluster-label.workload-cluster': 'true' },
      },
    };
    expect(run(labelled)).toEqual([{ applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] }]);
  });
});
