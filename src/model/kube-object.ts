/** A Kubernetes object as parsed from YAML: only the identity fields are guaranteed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the value carries apiVersion, kind and metadata.name as strings. */
export function isKubeObject(value: unknown): value is KubeObject {
  if (!isRecord(value)) return false;
  const metadata = value.metadata;
  return (
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(metadata) &&
    typeof metadata.name === 'string'
  );
}

/** Splits `group/version` (or a core `version`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash === -1) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
