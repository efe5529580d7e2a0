import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_CASES } from './chart-cases.ts';
import {
  CHART_DIR,
  type KubeDoc,
  mergeValues,
  REQUIRED,
  renderChart,
  type Values,
} from './chart-template.ts';
import { type Deployment, find, selects } from './pod-specs.ts';

interface Peer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: { port: number | string; protocol: string }[];
  from?: Peer[];
  to?: Peer[];
}
interface NetworkPolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const ON = CHART_CASES['NetworkPolicy on']!;
const values = ON.networkPolicy as { webhookFrom: Peer[]; metricsFrom: Peer[]; egress: Rule[] };
const policies = (docs: KubeDoc[]) => docs.filter((d) => d.kind === 'NetworkPolicy');

/** The policies that select the pods of one Deployment (NetworkPolicy's podSelector against the pod labels). */
function policiesOf(docs: KubeDoc[], component: 'webhook' | 'worker'): NetworkPolicySpec[] {
  const labels = find<Deployment>(docs, 'Deployment', `mergeplane-${component}`).spec.template.metadata
    .labels;
  return policies(docs)
    .map((d) => d.spec as NetworkPolicySpec)
    .filter((spec) => selects(spec.podSelector.matchLabels, labels));
}

/** The port a rule opens, as the container port number it names (NetworkPolicy resolves named ports so). */
function containerPort(docs: KubeDoc[], component: 'webhook' | 'worker', port: number | string): number {
  const container = find<Deployment>(docs, 'Deployment', `mergeplane-${component}`).spec.template.spec
    .containers[0]!;
  return typeof port === 'number' ? port : container.ports!.find((p) => p.name === port)!.containerPort;
}

// DNS to the cluster's resolver pods over UDP and TCP (large answers fall back to TCP), by the namespace's own label.
const DNS: Rule = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

let on: KubeDoc[] = [];
let openWebhook: KubeDoc[] = [];
let leftEmpty: KubeDoc[] = [];
let defaults: KubeDoc[] = [];
beforeAll(async () => {
  [on, openWebhook, leftEmpty, defaults] = await Promise.all([
    renderChart(ON),
    renderChart(mergeValues(ON, { networkPolicy: { webhookFrom: [], metricsFrom: [] } })),
    // `webhookFrom:` with nothing after it in a values file is null, which removes Helm's default.
    renderChart(mergeValues(ON, { networkPolicy: { webhookFrom: null, metricsFrom: null } })),
    renderChart(CHART_CASES.defaults!),
  ]);
});

describe('the NetworkPolicies (networkPolicy.enabled)', () => {
  it('are not rendered by default', () => {
    expect(policies(defaults)).toEqual([]);
  });

  it('isolate each Deployment both ways with one policy of its own', () => {
    for (const component of ['webhook', 'worker'] as const) {
      const selecting = policiesOf(on, component);
      expect(selecting).toHaveLength(1);
      expect([...selecting[0]!.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    }
    expect(policies(on)).toHaveLength(2);
  });

  it('let only DNS and the given egress rules out of either Deployment', () => {
    for (const component of ['webhook', 'worker'] as const) {
      expect(policiesOf(on, component)[0]!.egress).toEqual([DNS, ...values.egress]);
    }
  });

  it('open the webhook server’s port 3000 to the given sources and the scrapers, the workers’ to the scrapers', () => {
    const webhook = policiesOf(on, 'webhook')[0]!.ingress!;
    expect(webhook).toHaveLength(1);
    expect(webhook[0]!.from).toEqual([...values.webhookFrom, ...values.metricsFrom]);
    expect(webhook[0]!.ports!.map((p) => [containerPort(on, 'webhook', p.port), p.protocol])).toEqual([
      [3000, 'TCP'],
    ]);
    const worker = policiesOf(on, 'worker')[0]!.ingress!;
    expect(worker).toHaveLength(1);
    expect(worker[0]!.from).toEqual(values.metricsFrom);
    expect(worker[0]!.ports!.map((p) => [containerPort(on, 'worker', p.port), p.protocol])).toEqual([
      [3000, 'TCP'],
    ]);
  });

  it('without sources, open the webhook port to any source and nothing of the workers', () => {
    const webhook = policiesOf(openWebhook, 'webhook')[0]!.ingress!;
    // A rule without `from` admits every source, on its ports only.
    expect(webhook).toHaveLength(1);
    expect(webhook[0]!.from).toBeUndefined();
    expect(webhook[0]!.ports!.map((p) => containerPort(openWebhook, 'webhook', p.port))).toEqual([3000]);
    // An isolated pod with no ingress rule receives nothing (the kubelet's probes come from its node: allowed).
    expect(policiesOf(openWebhook, 'worker')[0]!.ingress).toEqual([]);
    // The same when the keys are left empty (null) rather than given as empty lists.
    expect(policies(leftEmpty)).toEqual(policies(openWebhook));
  });

  it('render from the chart README’s example, one per Deployment, with its rules', async () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => parse(m[1]!) as Values);
    const examples = blocks.filter((block) => block?.networkPolicy !== undefined);
    expect(examples).toHaveLength(1);
    const example = examples[0]!;
    const docs = await renderChart(mergeValues(REQUIRED, example));
    const egress = (example.networkPolicy as { egress: Rule[] }).egress;
    for (const component of ['webhook', 'worker'] as const) {
      expect(policiesOf(docs, component)).toHaveLength(1);
      expect(policiesOf(docs, component)[0]!.egress).toEqual([DNS, ...egress]);
    }
  });
});
