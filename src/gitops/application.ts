import { DNS_SUBDOMAIN_RULE, isDnsSubdomain } from '../model/kube-names.ts';
import { isRecord } from '../model/kube-object.ts';

/** The Helm block of an Application source (argoproj.io/v1alpha1). */
export interface HelmSource {
  releaseName?: string;
  namespace?: string;
  valueFiles?: string[];
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: { name: string; value: string; forceString?: boolean }[];
  fileParameters?: { name: string; path: string }[];
  skipCrds?: boolean;
  skipTests?: boolean;
  skipSchemaValidation?: boolean;
  ignoreMissingValueFiles?: boolean;
  apiVersions?: string[];
  kubeVersion?: string;
  passCredentials?: boolean;
}

/** The Kustomize block of an Application source. */
export interface KustomizeSource {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  forceCommonLabels?: boolean;
  forceCommonAnnotations?: boolean;
  labelWithoutSelector?: boolean;
  namespace?: string;
  replicas?: { name: string; count: number | string }[];
  patches?: Record<string, unknown>[];
  components?: string[];
  version?: string;
}

export interface DirectorySource {
  recurse?: boolean;
  include?: string;
  exclude?: string;
  jsonnet?: unknown;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  /** Multi-source: a source referenced by `$ref/...` in another source's valueFiles. */
  ref?: string;
  name?: string;
  helm?: HelmSource;
  kustomize?: KustomizeSource;
  directory?: DirectorySource;
  plugin?: Record<string, unknown>;
}

export interface IgnoreDifference {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

export interface Destination {
  server?: string;
  name?: string;
  namespace?: string;
}

/** An Argo CD Application as Mergeplane plans it, whatever produced it. */
export interface Application {
  name: string;
  namespace: string;
  project: string;
  /** A repository file, `applicationset:NAME` or `app-of-apps:PARENT`. */
  origin: string;
  /** Repository file that defines it (the Application, ApplicationSet or parent's source), for annotations. */
  file?: string;
  line?: number;
  destination: Destination;
  /** `spec.source` normalized to a one-element list, or `spec.sources`. */
  sources: ApplicationSource[];
  multiSource: boolean;
  ignoreDifferences: IgnoreDifference[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The object as found or generated; compared across revisions to tell whether the definition changed. */
  manifest: Record<string, unknown>;
}

export class InvalidApplicationError extends Error {
  override readonly name: string = 'InvalidApplicationError';
}

/** A valid Application whose manifests Argo CD produces in a way Mergeplane cannot reproduce offline. */
export class UnsupportedApplicationError extends InvalidApplicationError {
  override readonly name = 'UnsupportedApplicationError';
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

function parseSource(value: unknown, where: string): ApplicationSource {
  if (!isRecord(value)) throw new InvalidApplicationError(`${where} is not an object`);
  if (typeof value.repoURL !== 'string' || value.repoURL === '') {
    throw new InvalidApplicationError(`${where}.repoURL is missing`);
  }
  return value as unknown as ApplicationSource;
}

/**
 * Reads an `argoproj.io/*` Application object into the planning model.
 * Throws InvalidApplicationError when required fields are missing.
 */
export function parseApplication(
  object: Record<string, unknown>,
  where: { origin: string; file?: string; line?: number; defaultNamespace?: string },
): Application {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const spec = isRecord(object.spec) ? object.spec : undefined;
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (!name) throw new InvalidApplicationError('Application has no metadata.name');
  if (!isDnsSubdomain(name)) {
    // The name reaches tools (the default Helm release name) and Kubernetes; Argo CD refuses it too.
    throw new InvalidApplicationError(
      `Application metadata.name ${JSON.stringify(name.slice(0, 80))} is not a valid name: at most 253 characters of ${DNS_SUBDOMAIN_RULE}`,
    );
  }
  if (!spec) throw new InvalidApplicationError(`Application ${name} has no spec`);
  const multiSource = Array.isArray(spec.sources) && spec.sources.length > 0;
  let sources: ApplicationSource[];
  if (multiSource) {
    sources = (spec.sources as unknown[]).map((s, i) =>
      parseSource(s, `Application ${name} spec.sources[${i}]`),
    );
  } else if (spec.source !== undefined) {
    sources = [parseSource(spec.source, `Application ${name} spec.source`)];
  } else if (spec.sourceHydrator !== undefined) {
    // Argo CD's source hydrator renders the dry source and commits the result to another branch with its
    // commit server; what is deployed is that commit, which does not exist offline.
    throw new UnsupportedApplicationError(
      `Application ${name} uses spec.sourceHydrator: Argo CD's commit server hydrates its manifests into another branch, which cannot be rendered offline`,
    );
  } else {
    throw new InvalidApplicationError(`Application ${name} has neither spec.source nor spec.sources`);
  }
  const destination = isRecord(spec.destination) ? spec.destination : {};
  const app: Application = {
    name,
    namespace:
      typeof metadata.namespace === 'string' ? metadata.namespace : (where.defaultNamespace ?? 'argocd'),
    project: typeof spec.project === 'string' && spec.project !== '' ? spec.project : 'default',
    origin: where.origin,
    destination: {
      ...(typeof destination.server === 'string' ? { server: destination.server } : {}),
      ...(typeof destination.name === 'string' ? { name: destination.name } : {}),
      ...(typeof destination.namespace === 'string' ? { namespace: destination.namespace } : {}),
    },
    sources,
    multiSource,
    ignoreDifferences: Array.isArray(spec.ignoreDifferences)
      ? (spec.ignoreDifferences.filter(isRecord) as unknown as IgnoreDifference[])
      : [],
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    manifest: object,
  };
  if (where.file !== undefined) app.file = where.file;
  if (where.line !== undefined) app.line = where.line;
  return app;
}

export function isApplicationObject(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    value.kind === 'Application' &&
    typeof value.apiVersion === 'string' &&
    value.apiVersion.startsWith('argoproj.io/')
  );
}

export function isApplicationSetObject(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    value.kind === 'ApplicationSet' &&
    typeof value.apiVersion === 'string' &&
    value.apiVersion.startsWith('argoproj.io/')
  );
}

/** Stable identity of an Application across revisions. */
export function applicationKey(app: Pick<Application, 'namespace' | 'name'>): string {
  return `${app.namespace}/${app.name}`;
}
