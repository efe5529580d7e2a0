import type { KubeDoc } from './chart-template.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
}

export interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string };
  persistentVolumeClaim?: { claimName: string };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  projected?: { defaultMode?: number; sources: Record<string, unknown>[] };
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface Deployment extends KubeDoc {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

/** The object of `kind` named `name`; fails the test when the chart did not render it. */
export function find<T extends KubeDoc = KubeDoc>(docs: KubeDoc[], kind: string, name: string): T {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) {
    const names = docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ');
    throw new Error(`no ${kind} ${name} rendered (rendered: ${names})`);
  }
  return found as T;
}

export function podOf(docs: KubeDoc[], component: 'webhook' | 'worker'): PodSpec {
  return find<Deployment>(docs, 'Deployment', `mergeplane-${component}`).spec.template.spec;
}

/** The container's environment as plain values; `valueFrom` entries as `secret:NAME/KEY`. */
export function envOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    env[entry.name] = ref ? `secret:${ref.name}/${ref.key}` : (entry.value ?? '');
  }
  return env;
}

/** True when labels carry every pair of the selector. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
