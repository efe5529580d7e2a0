import { describe, expect, it } from 'vitest';
import { kubeMinor, removedApiMessage } from '../../src/schema/removed-apis.ts';

// Removals from the Kubernetes deprecation guide (kubernetes.io/docs/reference/using-api/deprecation-guide/).
describe('removedApiMessage', () => {
  it.each([
    [
      'apps/v1beta1',
      'Deployment',
      '1.16',
      'apps/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1',
    ],
    [
      'extensions/v1beta1',
      'DaemonSet',
      '1.30',
      'extensions/v1beta1 DaemonSet was removed in Kubernetes 1.16; use apps/v1',
    ],
    [
      'extensions/v1beta1',
      'Ingress',
      '1.22',
      'extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1',
    ],
    [
      'networking.k8s.io/v1beta1',
      'Ingress',
      'v1.28.3',
      'networking.k8s.io/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1',
    ],
    [
      'batch/v1beta1',
      'CronJob',
      '1.25',
      'batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1',
    ],
    [
      'policy/v1beta1',
      'PodDisruptionBudget',
      '1.25',
      'policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1',
    ],
    [
      'policy/v1beta1',
      'PodSecurityPolicy',
      '1.25',
      'policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25 with no replacement',
    ],
    [
      'autoscaling/v2beta1',
      'HorizontalPodAutoscaler',
      '1.25',
      'autoscaling/v2beta1 HorizontalPodAutoscaler was removed in Kubernetes 1.25; use autoscaling/v2',
    ],
    [
      'autoscaling/v2beta2',
      'HorizontalPodAutoscaler',
      '1.26',
      'autoscaling/v2beta2 HorizontalPodAutoscaler was removed in Kubernetes 1.26; use autoscaling/v2',
    ],
    [
      'flowcontrol.apiserver.k8s.io/v1beta2',
      'FlowSchema',
      '1.29',
      'flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema was removed in Kubernetes 1.29; use flowcontrol.apiserver.k8s.io/v1',
    ],
  ])('refuses %s %s on Kubernetes %s', (apiVersion, kind, kubeVersion, message) => {
    expect(removedApiMessage(apiVersion, kind, kubeVersion)).toBe(
      `${message} (target cluster: Kubernetes ${kubeVersion})`,
    );
  });

  it.each([
    ['batch/v1beta1', 'CronJob', '1.24'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', '1.25'],
    ['extensions/v1beta1', 'Ingress', '1.21'],
    ['apps/v1', 'Deployment', '1.36'],
    ['example.com/v1beta1', 'CronJob', '1.36'],
  ])('accepts %s %s on Kubernetes %s (still served)', (apiVersion, kind, kubeVersion) => {
    expect(removedApiMessage(apiVersion, kind, kubeVersion)).toBeUndefined();
  });

  it.each([
    ['1.33', 33],
    ['v1.30.2', 30],
    ['2.0', undefined],
    ['1.x', undefined],
  ])('reads the minor version of %s', (version, minor) => {
    expect(kubeMinor(version)).toBe(minor);
  });
});
