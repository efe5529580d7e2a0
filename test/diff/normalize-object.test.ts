import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { normalizeObject } from '../../src/diff/normalize-object.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';

const obj = (text: string) => parse(text) as KubeObject;

describe('normalizeObject', () => {
  test('drops status, server-managed metadata, the last-applied annotation and empty maps', () => {
    const input = obj(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: app
  creationTimestamp: null
  resourceVersion: "42"
  uid: 0b7c
  generation: 3
  selfLink: /api/v1/namespaces/app/configmaps/c
  managedFields: [{ manager: kubectl }]
  labels: {}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"x":1}'
data: { k: v }
status: { phase: Active }
`);
    expect(normalizeObject(input, 'default')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'app' },
      data: { k: 'v' },
    });
  });

  test('keeps non-empty labels and other annotations', () => {
    const out = normalizeObject(
      obj(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: { app: web }
  annotations: { note: keep, kubectl.kubernetes.io/last-applied-configuration: "{}" }
`),
      'ns',
    );
    expect(out.metadata).toEqual({
      name: 'c',
      namespace: 'ns',
      labels: { app: 'web' },
      annotations: { note: 'keep' },
    });
  });

  test('sets the default namespace on namespaced kinds only', () => {
    expect(
      normalizeObject(obj('{apiVersion: v1, kind: Service, metadata: {name: s}}'), 'ns').metadata.namespace,
    ).toBe('ns');
    const ns = normalizeObject(
      obj('{apiVersion: v1, kind: Namespace, metadata: {name: s, namespace: x}}'),
      'ns',
    );
    expect(ns.metadata).toEqual({ name: 's' });
    const role = normalizeObject(
      obj('{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: r}}'),
      'ns',
    );
    expect(role.metadata.namespace).toBeUndefined();
  });

  test('sorts keys recursively and does not touch the input', () => {
    const input = obj(
      '{kind: ConfigMap, metadata: {name: c, namespace: n}, apiVersion: v1, data: {z: "1", a: "2"}, status: {}}',
    );
    const out = normalizeObject(input, 'n');
    expect(Object.keys(out)).toEqual(['apiVersion', 'data', 'kind', 'metadata']);
    expect(Object.keys(out.data as object)).toEqual(['a', 'z']);
    expect(input.status).toEqual({});
  });
});
