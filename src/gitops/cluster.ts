/** A cluster the ApplicationSet clusters generator can target (config registry or committed Argo CD cluster Secret). */
export interface ClusterEntry {
  name: string;
  server: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Argo CD's implicit local cluster. */
export const IN_CLUSTER: ClusterEntry = {
  name: 'in-cluster',
  server: 'https://kubernetes.default.svc',
  labels: {},
  annotations: {},
};
