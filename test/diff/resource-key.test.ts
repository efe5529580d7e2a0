import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  clusterScopedCrdKinds,
  isClusterScoped,
  resourceId,
  resourceKey,
} from '../../src/diff/resource-key.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';

const obj = (text: string) => parse(text) as KubeObject;

describe('isClusterScoped', () => {
  test.each([
    ['', 'Namespace', true],
    ['', 'PersistentVolume', true],
    ['', 'ConfigMap', false],
    ['', 'Secret', false],
    ['rbac.authorization.k8s.io', 'ClusterRole', true],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding', true],
    ['rbac.authorization.k8s.io', 'Role', false],
    ['apiextensions.k8s.io', 'CustomResourceDefinition', true],
    ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', true],
    ['storage.k8s.io', 'StorageClass', true],
    ['networking.k8s.io', 'IngressClass', true],
    ['networking.k8s.io', 'Ingress', false],
    ['apiextensions.crossplane.io', 'CompositeResourceDefinition', true],
    ['apiextensions.crossplane.io', 'Composition', true],
    ['pkg.crossplane.io', 'Provider', true],
    ['pkg.crossplane.io', 'DeploymentRuntimeConfig', true],
    ['aws.upbound.io', 'ProviderConfig', true],
    ['aws.m.upbound.io', 'ProviderConfig', false],
    ['aws.m.upbound.io', 'ClusterProviderConfig', true],
    ['argoproj.io', 'Application', false],
    ['argoproj.io', 'AppProject', false],
    ['example.org', 'Widget', false],
  ])('%s %s → %s', (group, kind, expected) => {
    expect(isClusterScoped(group, kind)).toBe(expected);
  });

  test('a CRD with scope Cluster among the manifests makes its kind cluster-scoped', () => {
    const scoped = clusterScopedCrdKinds([
      obj(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.org }
spec: { group: example.org, scope: Cluster, names: { kind: Widget, plural: widgets } }
`),
      obj(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gadgets.example.org }
spec: { group: example.org, scope: Namespaced, names: { kind: Gadget, plural: gadgets } }
`),
    ]);
    expect([...scoped]).toEqual(['example.org/Widget']);
    expect(isClusterScoped('example.org', 'Widget', scoped)).toBe(true);
    expect(isClusterScoped('example.org', 'Gadget', scoped)).toBe(false);
  });
});

describe('resourceId / resourceKey', () => {
  test('a namespaced object without a namespace gets the default one', () => {
    const id = resourceId(obj('{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}'), 'prod');
    expect(id).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' });
    expect(resourceKey(id)).toBe('apps/Deployment/prod/web');
  });

  test('an explicit namespace is kept', () => {
    const id = resourceId(
      obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: other}}'),
      'prod',
    );
    expect(resourceKey(id)).toBe('/ConfigMap/other/c');
  });

  test('a cluster-scoped object has an empty namespace, even if the manifest sets one', () => {
    const id = resourceId(
      obj('{apiVersion: v1, kind: Namespace, metadata: {name: team, namespace: x}}'),
      'prod',
    );
    expect(id.namespace).toBe('');
    expect(resourceKey(id)).toBe('/Namespace//team');
  });

  test('the version is not part of the key', () => {
    const a = resourceId(
      obj('{apiVersion: autoscaling/v1, kind: HorizontalPodAutoscaler, metadata: {name: h}}'),
      'n',
    );
    const b = resourceId(
      obj('{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h}}'),
      'n',
    );
    expect(resourceKey(a)).toBe(resourceKey(b));
    expect([a.version, b.version]).toEqual(['v1', 'v2']);
  });
});
