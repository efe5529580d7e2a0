import { recordList } from '../model/field-values.ts';
import { isKubeObject, isRecord, splitApiVersion } from '../model/kube-object.ts';
import { buildCatalog, type CrossplaneCatalog } from './crossplane-catalog.ts';
import { type CompositeInstance, isCompositionObject, isXrdObject, type Xrd } from './crossplane-model.ts';
import { isEnvironmentConfig } from './resolve-environment.ts';

export interface CrossplaneObject {
  object: Record<string, unknown>;
  file?: string;
  line?: number;
  /** Line of a field of the object in `file`, for schema errors that point at the offending field. */
  lineOf?: (path: string) => number | undefined;
  /**
   * The namespace the object is applied to when its manifest has none (the Argo CD application's
   * destination namespace, for rendered output).
   */
  namespace?: string;
}

/** Every object seen at one revision: repository YAML first, then rendered application output. */
export interface CrossplaneInput {
  objects: CrossplaneObject[];
  /**
   * function-go-templating `FileSystem` sources: the templates of each `dirPath` as the function reads them (every
   * non-hidden file under it, concatenated with `---`), from the repository folder config maps it to.
   */
  templateDirs?: ReadonlyMap<string, string>;
}

const CROSSPLANE_SPEC_FIELDS = [
  'compositionRef',
  'compositionSelector',
  'compositionRevisionRef',
  'compositionUpdatePolicy',
];

/** A claim or XR at one revision. `xrd` is undefined when its definition is not in the repository. */
export interface Instance {
  key: string;
  apiVersion: string;
  group: string;
  kind: string;
  name: string;
  namespace: string;
  object: Record<string, unknown>;
  file?: string;
  line?: number;
  lineOf?: (path: string) => number | undefined;
  xrd: Xrd | undefined;
  parsed: CompositeInstance | undefined;
}

export interface Workload {
  label: string;
  namespace: string | undefined;
  secrets: Set<string>;
}

export interface Side {
  catalog: CrossplaneCatalog;
  instances: Map<string, Instance>;
  workloads: Workload[];
  /** EnvironmentConfigs found at this revision, for Compositions that read the environment. */
  environmentConfigs: Record<string, unknown>[];
  templateDirs: ReadonlyMap<string, string>;
}

/** Everything of one revision a claim plan needs: the catalog, each claim or XR once, the workloads reading Secrets. */
export function buildSide(input: CrossplaneInput): Side {
  const objects = dedupe(input.objects);
  const hints = new Map<Record<string, unknown>, string | undefined>(
    objects.map((o) => [o.object, o.namespace]),
  );
  const catalog = buildCatalog(objects);
  const list: Instance[] = [];
  const claimed = new Set<Record<string, unknown>>();
  for (const entry of catalog.instances) {
    claimed.add(entry.object);
    const namespaced = entry.value.role === 'claim' || entry.xrd.scope === 'Namespaced';
    const namespace = namespaced ? (entry.value.namespace ?? hints.get(entry.object) ?? '') : '';
    const object = withNamespace(entry.object, namespace);
    list.push({
      ...identity(object, namespace),
      object,
      ...(entry.file !== undefined ? { file: entry.file } : {}),
      ...(entry.line !== undefined ? { line: entry.line } : {}),
      ...(entry.lineOf !== undefined ? { lineOf: entry.lineOf } : {}),
      xrd: entry.xrd,
      parsed: object === entry.object ? entry.value : { ...entry.value, namespace },
    });
  }
  for (const o of objects) {
    if (claimed.has(o.object) || isXrdObject(o.object) || isCompositionObject(o.object)) continue;
    if (!looksLikeComposite(o.object)) continue;
    const metadata = isRecord(o.object.metadata) ? o.object.metadata : {};
    const namespace =
      typeof metadata.namespace === 'string' && metadata.namespace !== ''
        ? metadata.namespace
        : (o.namespace ?? '');
    const object = withNamespace(o.object, namespace);
    list.push({
      ...identity(object, namespace),
      object,
      ...(o.file !== undefined ? { file: o.file } : {}),
      ...(o.line !== undefined ? { line: o.line } : {}),
      ...(o.lineOf !== undefined ? { lineOf: o.lineOf } : {}),
      xrd: undefined,
      parsed: undefined,
    });
  }
  // A manifest without a namespace (a plain directory source) and the same object rendered into its
  // destination namespace are one claim.
  const withNs = new Map<string, Instance>();
  for (const i of list) if (i.namespace !== '') withNs.set(`${i.group}/${i.kind}/${i.name}`, i);
  const instances = new Map<string, Instance>();
  for (const i of list) {
    const namespaced = !i.xrd || i.parsed?.role === 'claim' || i.xrd.scope === 'Namespaced';
    const target =
      i.namespace === '' && namespaced ? withNs.get(`${i.group}/${i.kind}/${i.name}`) : undefined;
    const existing = instances.get(target?.key ?? i.key);
    if (target || existing) {
      const keep = existing ?? target!;
      if (keep.file === undefined && i.file !== undefined) {
        keep.file = i.file;
        if (i.line !== undefined) keep.line = i.line;
        if (i.lineOf !== undefined) keep.lineOf = i.lineOf;
      }
      if (!existing) instances.set(keep.key, keep);
      continue;
    }
    instances.set(i.key, i);
  }
  const environmentConfigs = objects.map((o) => o.object).filter(isEnvironmentConfig);
  return {
    catalog,
    instances,
    workloads: workloadsOf(objects),
    environmentConfigs,
    templateDirs: input.templateDirs ?? new Map(),
  };
}

function identity(
  object: Record<string, unknown>,
  namespace: string,
): Pick<Instance, 'key' | 'apiVersion' | 'group' | 'kind' | 'name' | 'namespace'> {
  const apiVersion = String(object.apiVersion ?? '');
  const { group } = splitApiVersion(apiVersion);
  const kind = String(object.kind ?? '');
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  return { key: [group, kind, namespace, name].join('\u0000'), apiVersion, group, kind, name, namespace };
}

function withNamespace(object: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  if (namespace === '' || metadata.namespace === namespace) return object;
  return { ...object, metadata: { ...metadata, namespace } };
}

/**
 * One entry per object identity. A later entry's content wins (rendered output is what gets
 * applied); the location is the winning entry's, else the first one that has a file.
 */
function dedupe(objects: readonly CrossplaneObject[]): CrossplaneObject[] {
  const byKey = new Map<string, CrossplaneObject>();
  for (const o of objects) {
    if (!isKubeObject(o.object)) continue;
    const { metadata } = o.object;
    const key = [
      splitApiVersion(o.object.apiVersion).group,
      o.object.kind,
      metadata.namespace ?? '',
      metadata.name,
    ].join('\u0000');
    const previous = byKey.get(key);
    const located = o.file !== undefined ? o : previous?.file !== undefined ? previous : undefined;
    const namespace = o.namespace ?? previous?.namespace;
    byKey.set(key, {
      object: o.object,
      ...(located?.file !== undefined ? { file: located.file } : {}),
      ...(located?.line !== undefined ? { line: located.line } : {}),
      ...(located?.lineOf !== undefined ? { lineOf: located.lineOf } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
    });
  }
  return [...byKey.values()];
}

/** A claim or XR whose definition is not in the repository, recognised by its Crossplane fields. */
function looksLikeComposite(object: Record<string, unknown>): boolean {
  const { group } = splitApiVersion(String(object.apiVersion ?? ''));
  if (!group.includes('.') || group.endsWith('.k8s.io') || group.endsWith('crossplane.io')) return false;
  const spec = isRecord(object.spec) ? object.spec : undefined;
  if (!spec) return false;
  const fields = isRecord(spec.crossplane) ? spec.crossplane : spec;
  return CROSSPLANE_SPEC_FIELDS.some((f) => f in fields);
}

const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function workloadsOf(objects: readonly CrossplaneObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    if (!isKubeObject(o.object)) continue;
    const path = POD_SPEC_PATH[o.object.kind];
    if (!path) continue;
    let podSpec: unknown = o.object;
    for (const segment of path) podSpec = isRecord(podSpec) ? podSpec[segment] : undefined;
    if (!isRecord(podSpec)) continue;
    const secrets = secretsOf(podSpec);
    if (secrets.size === 0) continue;
    const namespace = o.object.metadata.namespace ?? o.namespace;
    out.push({
      label: `${o.object.kind} ${namespace ? `${namespace}/` : ''}${o.object.metadata.name}`,
      namespace,
      secrets,
    });
  }
  return out;
}

export function nameAt(value: unknown, key: string): string | undefined {
  return isRecord(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

/** Secrets a pod spec reads through env secretKeyRef, envFrom secretRef or secret volumes. */
function secretsOf(podSpec: Record<string, unknown>): Set<string> {
  const names: (string | undefined)[] = [];
  const containers = [
    ...recordList(podSpec.containers),
    ...recordList(podSpec.initContainers),
    ...recordList(podSpec.ephemeralContainers),
  ];
  for (const c of containers) {
    for (const env of recordList(c.env)) {
      names.push(nameAt(isRecord(env.valueFrom) ? env.valueFrom.secretKeyRef : undefined, 'name'));
    }
    for (const from of recordList(c.envFrom)) names.push(nameAt(from.secretRef, 'name'));
  }
  for (const volume of recordList(podSpec.volumes)) {
    names.push(nameAt(volume.secret, 'secretName'));
    const projected = isRecord(volume.projected) ? volume.projected.sources : undefined;
    for (const source of recordList(projected)) names.push(nameAt(source.secret, 'name'));
  }
  return new Set(names.filter((n): n is string => n !== undefined));
}
