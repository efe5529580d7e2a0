import { describe, expect, it } from 'vitest';
import { compareWithLive } from '../../src/diff/compare-with-live.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';

const deployment = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    },
  },
});

/** As the API server returns an object created by someone else (Terraform): defaults, status, server metadata. */
function asLive(object: KubeObject, namespace: string): KubeObject {
  const live = structuredClone(object) as KubeObject & { spec: Record<string, unknown> };
  live.metadata = {
    ...live.metadata,
    namespace,
    uid: '6d7f0c1e-5b1a-4c4e-9d1c-1f2e3d4c5b6a',
    resourceVersion: '48213',
    generation: 3,
    creationTimestamp: '2026-11-30T09:00:00Z',
    managedFields: [{ manager: 'terraform', operation: 'Apply' }],
    annotations: { 'deployment.kubernetes.io/revision': '2' },
  };
  live.spec.progressDeadlineSeconds = 600;
  live.spec.revisionHistoryLimit = 10;
  const template = live.spec.template as { spec: { containers: Record<string, unknown>[] } };
  Object.assign(template.spec.containers[0]!, {
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
  });
  live.status = { replicas: 3, readyReplicas: 3 };
  return live;
}

describe('the head render against live objects', () => {
  it('finds a takeover identical when the live object differs only by what the API server and others added', () => {
    const result = compareWithLive({
      head: [deployment(3)],
      live: [asLive(deployment(3), 'shop')],
      defaultNamespace: 'shop',
      contextLines: 3,
    });
    expect(result).toEqual([
      { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', action: 'identical' },
    ]);
  });

  it('shows a manual edit as an update from live to head, and what is not live as a create', () => {
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    };
    const [created, updated] = compareWithLive({
      head: [deployment(3), service],
      live: [asLive(deployment(5), 'shop')],
      defaultNamespace: 'shop',
      contextLines: 3,
    }).sort((a, b) => a.action.localeCompare(b.action));
    expect(created).toMatchObject({ kind: 'Service', name: 'web', action: 'create' });
    expect(updated).toMatchObject({ kind: 'Deployment', action: 'update' });
    expect(updated!.diff).toMatch(/^-\s+replicas: 5$/m);
    expect(updated!.diff).toMatch(/^\+\s+replicas: 3$/m);
    // Only what the render sets is compared: server defaults never appear in the diff.
    expect(updated!.diff).not.toContain('progressDeadlineSeconds');
    expect(updated!.diff).not.toContain('readyReplicas');
  });

  it('shows a field the render sets that live lacks, and never compares Secret values', () => {
    const labelled = deployment(3);
    (labelled.metadata as { labels: Record<string, string> }).labels.tier = 'frontend';
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      data: { password: 'aHVudGVyMg==' },
    };
    const result = compareWithLive({
      head: [labelled, secret],
      live: [asLive(deployment(3), 'shop'), { ...secret, data: { password: '++++++++' } }],
      defaultNamespace: 'shop',
      contextLines: 3,
    });
    expect(result.find((r) => r.kind === 'Deployment')?.diff).toMatch(/^\+\s+tier: frontend$/m);
    const secretResult = result.find((r) => r.kind === 'Secret');
    expect(secretResult).toMatchObject({ action: 'not-compared' });
    expect(JSON.stringify(secretResult)).not.toContain('aHVudGVyMg');
  });

  it('never shows a Secret nested in another object, nor live content the render does not name', () => {
    const wrapped = (password: string): KubeObject => ({
      apiVersion: 'kubernetes.crossplane.io/v1alpha2',
      kind: 'Object',
      metadata: { name: 'db-credentials' },
      spec: {
        forProvider: {
          manifest: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'db', namespace: 'shop' },
            data: { password },
          },
        },
      },
    });
    const [nested] = compareWithLive({
      head: [wrapped('bmV3LXNlY3JldA==')],
      live: [wrapped('b2xkLXNlY3JldA==')],
      defaultNamespace: '',
      contextLines: 3,
    });
    expect(nested).toMatchObject({ kind: 'Object', action: 'update' });
    expect(nested!.diff).not.toMatch(/bmV3LXNlY3JldA|b2xkLXNlY3JldA/);
    expect(nested!.diff).toContain('++++');

    const scalar: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: 'flat' };
    const [shaped] = compareWithLive({
      head: [scalar],
      live: [{ ...scalar, data: { token: 'live-only-value' } }],
      defaultNamespace: 'shop',
      contextLines: 3,
    });
    expect(shaped!.diff).toContain('(a mapping)');
    expect(shaped!.diff).not.toContain('live-only-value');
  });
});
