import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_KUBE_VERSION } from '../../src/schema/bundled-kube-version.ts';
import { collectCustomDefinitions } from '../../src/schema/custom-definitions.ts';
import { createSchemaValidator, SchemaCatalog } from '../../src/schema/schema-validator.ts';
import { CHART_CASES, renderCases } from './chart-cases.ts';
import type { KubeDoc } from './chart-template.ts';

type Fields = [allowed: string[], objectsOf: (doc: KubeDoc) => unknown[]][];

const TOP: Fields[number] = [['apiVersion', 'kind', 'metadata', 'spec'], (doc) => [doc]];
const specOf = (doc: KubeDoc) => [doc.spec];
const listOf = (field: string) => (doc: KubeDoc) => (doc.spec as Record<string, unknown[]>)[field] ?? [];

/**
 * Custom resources, validated by the kubernetes-models packages generated from their CRDs (KEDA,
 * prometheus-operator). Those validators accept unknown fields, so each also lists the fields the chart may
 * set, from the CRDs' documentation: a misspelled field fails here instead of being pruned by the API server.
 */
const CUSTOM: Record<string, { validate: (doc: KubeDoc) => void; fields: Fields }> = {
  'keda.sh/v1alpha1/ScaledObject': {
    validate: (doc) => new ScaledObject(doc as never).validate(),
    fields: [
      TOP,
      [
        [
          'scaleTargetRef',
          'minReplicaCount',
          'maxReplicaCount',
          'pollingInterval',
          'cooldownPeriod',
          'triggers',
        ],
        specOf,
      ],
      [['type', 'metadata', 'authenticationRef'], listOf('triggers')],
    ],
  },
  'keda.sh/v1alpha1/TriggerAuthentication': {
    validate: (doc) => new TriggerAuthentication(doc as never).validate(),
    fields: [TOP, [['secretTargetRef'], specOf], [['parameter', 'name', 'key'], listOf('secretTargetRef')]],
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    validate: (doc) => new ServiceMonitor(doc as never).validate(),
    fields: [
      TOP,
      [['selector', 'namespaceSelector', 'endpoints'], specOf],
      [['port', 'path', 'interval', 'scrapeTimeout'], listOf('endpoints')],
    ],
  },
};

/** Fields of a custom resource outside what its CRD defines (as far as `fields` lists it). */
function unknownFields(doc: KubeDoc, fields: Fields): string[] {
  const found: string[] = [];
  for (const [allowed, objectsOf] of fields) {
    for (const object of objectsOf(doc)) {
      for (const key of Object.keys(object as object)) {
        if (!allowed.includes(key)) found.push(`${doc.kind} ${doc.metadata.name}: unknown field ${key}`);
      }
    }
  }
  return found;
}

describe('every object the chart renders is valid against its schema', () => {
  const validator = createSchemaValidator({
    catalog: new SchemaCatalog(),
    definitions: collectCustomDefinitions([]),
  });
  let rendered = new Map<string, KubeDoc[]>();
  beforeAll(async () => {
    rendered = await renderCases();
  });

  it.each(Object.keys(CHART_CASES))('%s', async (name) => {
    const docs = rendered.get(name)!;
    expect(docs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const doc of docs) {
      const custom = CUSTOM[`${doc.apiVersion}/${doc.kind}`];
      if (custom) {
        try {
          custom.validate(doc);
        } catch (error) {
          problems.push(`${doc.kind} ${doc.metadata.name}: ${(error as Error).message}`);
        }
        problems.push(...unknownFields(doc, custom.fields));
        continue;
      }
      const result = await validator.validate(doc, BUNDLED_KUBE_VERSION);
      if (result.status === 'invalid')
        problems.push(
          ...result.errors.map((e) => `${doc.kind} ${doc.metadata.name}: ${e.path}: ${e.message}`),
        );
      else if (result.status !== 'valid') problems.push(`${doc.kind} ${doc.metadata.name}: ${result.status}`);
    }
    expect(problems).toEqual([]);
  });

  it('has a validator that fails (a wrong type in a built-in kind and in a custom resource)', async () => {
    const [deployment] = rendered.get('defaults')!.filter((d) => d.kind === 'Deployment');
    const broken = structuredClone(deployment!);
    (broken.spec as { replicas: unknown }).replicas = 'two';
    expect((await validator.validate(broken, BUNDLED_KUBE_VERSION)).status).toBe('invalid');
    const scaled = rendered.get('KEDA on')!.find((d) => d.kind === 'ScaledObject')!;
    const wrong = structuredClone(scaled);
    (wrong.spec as { triggers: { metadata: Record<string, unknown> }[] }).triggers[0]!.metadata.listLength =
      5;
    expect(() => CUSTOM['keda.sh/v1alpha1/ScaledObject']!.validate(wrong)).toThrow(/listLength/);
    (wrong.spec as Record<string, unknown>).minReplicas = 1;
    expect(unknownFields(wrong, CUSTOM['keda.sh/v1alpha1/ScaledObject']!.fields)).toEqual([
      'ScaledObject mergeplane-worker: unknown field minReplicas',
    ]);
  });
});
