import { recordList } from '../model/field-values.ts';
import { isKubeObject, isRecord, splitApiVersion } from '../model/kube-object.ts';
import type { ClaimReport, ComposedResourcePlan } from '../model/plan-report.ts';
import { buildCompositeView } from './composite-view.ts';
import {
  allCompositions,
  buildCatalog,
  type CatalogError,
  type CrossplaneCatalog,
} from './crossplane-catalog.ts';
import {
  type CompositeInstance,
  type Composition,
  isCompositionObject,
  isXrdObject,
  type Xrd,
} from './crossplane-model.ts';
import { createReplacementDetector, type ReplacementDetector } from './detect-replacement.ts';
import { diffComposed } from './diff-composed.ts';
import {
  COMPOSITION_RESOURCE_NAME_ANNOTATION,
  type ComposedResult,
  renderComposed,
  type UnsupportedStep,
} from './render-composed.ts';
import { isEnvironmentConfig, resolveEnvironment } from './resolve-environment.ts';
import { type CompositionSelection, selectComposition } from './select-composition.ts';
import { type SchemaViolation, validateAgainstXrd } from './validate-against-xrd.ts';

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
}

export interface ClaimFinding {
  id: 'claims' | 'destructive';
  status: 'fail' | 'needs-approval';
  message: string;
  file?: string;
  line?: number;
}

export interface ClaimsPlan {
  claims: ClaimReport[];
  findings: ClaimFinding[];
}

export const REGISTER_CLUSTER_ANNOTATION = 'mergeplane.io/register-cluster';

const CROSSPLANE_SPEC_FIELDS = [
  'compositionRef',
  'compositionSelector',
  'compositionRevisionRef',
  'compositionUpdatePolicy',
];

/** A claim or XR at one revision. `xrd` is undefined when its definition is not in the repository. */
interface Instance {
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

interface Workload {
  label: string;
  namespace: string | undefined;
  secrets: Set<string>;
}

interface Side {
  catalog: CrossplaneCatalog;
  instances: Map<string, Instance>;
  workloads: Workload[];
  /** EnvironmentConfigs found at this revision, for Compositions that read the environment. */
  environmentConfigs: Record<string, unknown>[];
}

interface Evaluation {
  selection: CompositionSelection | undefined;
  composition: Composition | undefined;
  errors: SchemaViolation[];
  /** Undefined when the composed resources cannot be predicted at all. */
  rendered: ComposedResult | undefined;
  notes: string[];
}

/** Fields the composed entry already shows as its apiVersion, kind and name. */
const IDENTITY_PATHS = new Set([
  'apiVersion',
  'kind',
  `metadata.annotations[${COMPOSITION_RESOURCE_NAME_ANNOTATION}]`,
]);

type DeleteOutcome = 'destroy' | 'orphan' | 'not-managed';

/**
 * Plans every Crossplane claim and XR between two revisions, Terraform-style: the Composition each
 * one selects, the composed resources it creates, changes or deletes (field by field), whether the
 * change destroys external resources, and the schema errors of the head manifests. Pure: the
 * caller supplies every object of each revision.
 */
export function planClaims(o: {
  base: CrossplaneInput;
  head: CrossplaneInput;
  registerClusterKinds?: string[];
}): ClaimsPlan {
  const base = buildSide(o.base);
  const head = buildSide(o.head);
  const claims: ClaimReport[] = [];
  const findings: ClaimFinding[] = [];
  findings.push(...newCatalogErrors(base.catalog.errors, head.catalog.errors));

  // Provider CRDs at head decide which composed fields are immutable (replaced, not updated).
  const replacement = createReplacementDetector(o.head.objects);
  const keys = [...new Set([...base.instances.keys(), ...head.instances.keys()])].sort();
  for (const key of keys) {
    const b = base.instances.get(key);
    const h = head.instances.get(key);
    const planned = planInstance({
      base,
      head,
      b,
      h,
      registerClusterKinds: o.registerClusterKinds ?? [],
      replacement,
    });
    claims.push(planned.claim);
    findings.push(...planned.findings);
  }
  const order = (c: ClaimReport) => `${c.kind}\u0000${c.namespace}\u0000${c.name}`;
  claims.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0));
  return { claims, findings };
}

function planInstance(o: {
  base: Side;
  head: Side;
  b: Instance | undefined;
  h: Instance | undefined;
  registerClusterKinds: readonly string[];
  replacement: ReplacementDetector;
}): { claim: ClaimReport; findings: ClaimFinding[] } {
  const { b, h } = o;
  const current = (h ?? b)!;
  const label = `${current.kind} ${current.namespace ? `${current.namespace}/` : ''}${current.name}`;
  const be = b ? evaluate(o.base, b) : undefined;
  let he = h ? evaluate(o.head, h) : undefined;
  const notes: string[] = [];

  // Under the Manual update policy an existing XR stays on its current CompositionRevision: the
  // Composition edited in this change is not what it will be composed with.
  if (
    h &&
    he &&
    be?.composition &&
    he.composition?.name === be.composition.name &&
    he.selection?.compositionUpdatePolicy === 'Manual' &&
    canonical(he.composition) !== canonical(be.composition)
  ) {
    he = evaluate(o.head, h, be.composition);
    notes.push(
      `compositionUpdatePolicy Manual: the XR keeps its current revision of Composition ${be.composition.name}; the Composition change applies only after a manual update`,
    );
  }

  const predictable = (!b || be?.rendered !== undefined) && (!h || he?.rendered !== undefined);
  const composed: ComposedResourcePlan[] = [];
  const destroyed: string[] = [];
  const replaced: string[] = [];
  let summary: ClaimReport['summary'];
  let composedChanged = false;
  if (predictable) {
    const diff = diffComposed(be?.rendered, he?.rendered);
    const baseByName = new Map((be?.rendered?.resources ?? []).map((r) => [r.name, r.object]));
    const headByName = new Map((he?.rendered?.resources ?? []).map((r) => [r.name, r.object]));
    summary = { add: 0, change: 0, destroy: 0 };
    for (const change of diff.resources) {
      if (change.action === 'unchanged') continue;
      composedChanged = true;
      let action: string = change.action;
      const immutable =
        change.action === 'update'
          ? o.replacement.check({
              apiVersion: change.apiVersion,
              kind: change.kind,
              before: baseByName.get(change.name) ?? {},
              after: headByName.get(change.name) ?? {},
              changes: change.changes,
            })
          : { forced: [], unknown: [] };
      for (const path of immutable.unknown) {
        notes.push(
          `${change.kind} ${change.name}: immutable field ${path} is known only after apply; a new value would force a replacement`,
        );
      }
      let orphanedByReplace = false;
      if (immutable.forced.length > 0) {
        // Terraform-style: a replacement adds the new resource and destroys the old one (unless orphaned).
        action = 'replace';
        summary.add++;
        const outcome = deleteOutcome(baseByName.get(change.name) ?? {});
        if (outcome === 'orphan') orphanedByReplace = true;
        else summary.destroy++;
        if (outcome === 'destroy') {
          replaced.push(`${change.kind} ${change.name} (immutable ${immutable.forced.join(', ')})`);
        }
      } else if (change.action === 'create') summary.add++;
      else if (change.action === 'update') summary.change++;
      else {
        const outcome = deleteOutcome(baseByName.get(change.name) ?? {});
        if (outcome === 'orphan') action = 'orphan';
        else summary.destroy++;
        if (outcome === 'destroy') destroyed.push(`${change.kind} ${change.name}`);
      }
      composed.push({
        apiVersion: change.apiVersion,
        kind: change.kind,
        name: change.name,
        action,
        fields: change.changes
          .filter((c) => change.action === 'update' || !IDENTITY_PATHS.has(c.path))
          .map((c) => ({
            path: c.path,
            before: c.before,
            after: c.after,
            ...(immutable.forced.includes(c.path) ? { forcesReplacement: true } : {}),
          })),
        ...(orphanedByReplace ? { orphan: true } : {}),
      });
    }
  }
  const unsupported = new Map<string, UnsupportedStep>();
  for (const step of [...(he?.rendered?.unsupported ?? []), ...(be?.rendered?.unsupported ?? [])]) {
    const k = `${step.step}\u0000${step.functionName}`;
    if (!unsupported.has(k)) unsupported.set(k, step);
  }
  for (const step of unsupported.values()) {
    composed.push({
      apiVersion: '',
      kind: '(not predicted)',
      name: step.functionName,
      action: 'unknown',
      fields: step.reason,
    });
  }

  let action: ClaimReport['action'];
  if (!b) action = 'create';
  else if (!h) action = 'delete';
  else if (
    canonical(b.object) !== canonical(h.object) ||
    be?.composition?.name !== he?.composition?.name ||
    composedChanged
  )
    action = 'update';
  else action = 'unchanged';

  // Deleting a claim whose composed resources are unknown is assumed to destroy them (the default policy).
  const unknownDeletion = action === 'delete' && (!be?.rendered || unsupported.size > 0);
  const destructive = destroyed.length > 0 || unknownDeletion || replaced.length > 0;

  const findings: ClaimFinding[] = [];
  const location = {
    ...(current.file !== undefined ? { file: current.file } : {}),
    ...(current.line !== undefined ? { line: current.line } : {}),
  };
  if (replaced.length > 0) {
    findings.push({
      id: 'destructive',
      status: 'needs-approval',
      message: `replaces ${replaced.join('; ')} composed by ${label}: the API server rejects an in-place update of an immutable field, so applying it means destroying and recreating the resource`,
      ...location,
    });
  }
  if (destroyed.length > 0 || unknownDeletion) {
    const what =
      action === 'delete'
        ? destroyed.length > 0 && !unknownDeletion
          ? `${label} and the managed resources it composes: ${destroyed.join(', ')}`
          : `${label} and the managed resources it composes (not predicted; deletionPolicy Delete assumed)`
        : `${destroyed.join(', ')} composed by ${label}`;
    findings.push({ id: 'destructive', status: 'needs-approval', message: `destroys ${what}`, ...location });
  }
  if (h && he) {
    const before = new Set((be?.errors ?? []).map(violationKey));
    for (const error of he.errors) {
      const message = `${label}: ${error.path}: ${error.message}`;
      if (action === 'unchanged' && before.has(violationKey(error))) {
        notes.push(`invalid before this change: ${error.path}: ${error.message}`);
        continue;
      }
      findings.push({
        id: 'claims',
        status: 'fail',
        message,
        ...(error.file !== undefined ? { file: error.file } : location.file ? { file: location.file } : {}),
        ...(error.line !== undefined ? { line: error.line } : location.line ? { line: location.line } : {}),
      });
    }
  }

  const evaluation = (h ? he : be)!;
  const side = h ? o.head : o.base;
  const connectionSecret = connectionSecretOf(current, evaluation.rendered);
  const consumers = connectionSecret ? consumersOf(side.workloads, connectionSecret) : [];
  const registersCluster =
    o.registerClusterKinds.includes(current.kind) ||
    o.registerClusterKinds.includes(`${current.group}/${current.kind}`) ||
    annotation(current.object, REGISTER_CLUSTER_ANNOTATION) === 'true';
  const allNotes = unique([...notes, ...(be && !h ? be.notes : []), ...(he?.notes ?? [])]);
  const composition = describeComposition(current, evaluation);

  const claim: ClaimReport = {
    apiVersion: current.apiVersion,
    kind: current.kind,
    namespace: current.namespace,
    name: current.name,
    action,
    ...(composition ? { composition } : {}),
    composed,
    destructive,
    ...location,
    ...(summary ? { summary } : {}),
    ...(connectionSecret ? { connectionSecret } : {}),
    ...(consumers.length > 0 ? { consumers } : {}),
    ...(registersCluster ? { registersCluster } : {}),
    ...(allNotes.length > 0 ? { notes: allNotes } : {}),
  };
  return { claim, findings };
}

function evaluate(side: Side, instance: Instance, pinned?: Composition): Evaluation {
  const { xrd, parsed } = instance;
  if (!xrd || !parsed) {
    return {
      selection: undefined,
      composition: undefined,
      errors: [],
      rendered: undefined,
      notes: [
        `no CompositeResourceDefinition for ${instance.group} ${instance.kind} in the repository: composed resources not predicted`,
      ],
    };
  }
  const validation = validateAgainstXrd(instance.object, xrd, {
    ...(instance.file !== undefined ? { file: instance.file } : {}),
    ...(instance.line !== undefined ? { line: instance.line } : {}),
    ...(instance.lineOf !== undefined ? { lineOf: instance.lineOf } : {}),
  });
  const selection = selectComposition(parsed, xrd, allCompositions(side.catalog));
  const notes = [...(validation.notes ?? []), ...selection.problems];
  if (selection.compositionRevisionRef) {
    notes.push(
      `pinned to CompositionRevision ${selection.compositionRevisionRef}; composed resources are predicted from the Composition as it is in the repository`,
    );
  }
  const composition = pinned ?? selection.composition;
  if (!composition) {
    notes.push('composed resources not predicted: no Composition selected');
    return { selection, composition, errors: validation.errors, rendered: undefined, notes };
  }
  const composite = buildCompositeView({
    object: validation.defaulted,
    xrd,
    compositionName: composition.name,
  });
  const resolved = resolveEnvironment(composition, composite, side.environmentConfigs);
  notes.push(...resolved.notes);
  const rendered = renderComposed({
    composite,
    composition,
    ...(resolved.environment !== undefined ? { environment: resolved.environment } : {}),
  });
  notes.push(...rendered.warnings);
  for (const error of rendered.errors) {
    notes.push(
      `${error.resource}${error.patch !== undefined ? ` patch ${error.patch}` : ''}: ${error.message}`,
    );
  }
  return { selection, composition, errors: validation.errors, rendered, notes };
}

function buildSide(input: CrossplaneInput): Side {
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
  return { catalog, instances, workloads: workloadsOf(objects), environmentConfigs };
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

/**
 * What deleting a composed resource does outside the cluster. Managed resources delete their external
 * resource unless `deletionPolicy: Orphan` or management policies without Delete (observe-only);
 * v2 namespaced managed resources have no deletionPolicy and default to Delete.
 */
function deleteOutcome(object: Record<string, unknown>): DeleteOutcome {
  const { group } = splitApiVersion(String(object.apiVersion ?? ''));
  if (!group.includes('.') || group.endsWith('.k8s.io')) return 'not-managed';
  const spec = isRecord(object.spec) ? object.spec : {};
  if (spec.deletionPolicy === 'Orphan') return 'orphan';
  const policies = spec.managementPolicies;
  if (Array.isArray(policies) && !policies.includes('*') && !policies.includes('Delete')) return 'orphan';
  return 'destroy';
}

function connectionSecretOf(
  instance: Instance,
  rendered: ComposedResult | undefined,
): ClaimReport['connectionSecret'] {
  const spec = isRecord(instance.object.spec) ? instance.object.spec : {};
  const ref =
    instance.parsed?.writeConnectionSecretToRef ??
    (isRecord(spec.writeConnectionSecretToRef) && typeof spec.writeConnectionSecretToRef.name === 'string'
      ? {
          name: spec.writeConnectionSecretToRef.name,
          ...(typeof spec.writeConnectionSecretToRef.namespace === 'string'
            ? { namespace: spec.writeConnectionSecretToRef.namespace }
            : {}),
        }
      : undefined);
  if (ref) {
    // A claim's secret is always written to the claim's namespace.
    const namespace =
      instance.parsed?.role === 'claim' ? instance.namespace : (ref.namespace ?? instance.namespace);
    return { namespace, name: ref.name };
  }
  // Crossplane v2 XRs no longer write connection secrets: a composed Secret carries the details.
  for (const resource of rendered?.resources ?? []) {
    const object = resource.object;
    if (object.apiVersion !== 'v1' || object.kind !== 'Secret') continue;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    if (typeof metadata.name !== 'string') continue;
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : instance.namespace;
    return { namespace, name: metadata.name };
  }
  return undefined;
}

function consumersOf(
  workloads: readonly Workload[],
  secret: NonNullable<ClaimReport['connectionSecret']>,
): string[] {
  return unique(
    workloads
      .filter(
        (w) =>
          w.secrets.has(secret.name) &&
          (w.namespace === undefined || secret.namespace === '' || w.namespace === secret.namespace),
      )
      .map((w) => w.label),
  ).sort();
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

function nameAt(value: unknown, key: string): string | undefined {
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

function describeComposition(instance: Instance, evaluation: Evaluation): string | undefined {
  const name =
    evaluation.composition?.name ??
    (() => {
      const spec = isRecord(instance.object.spec) ? instance.object.spec : {};
      const fields = isRecord(spec.crossplane) ? spec.crossplane : spec;
      return nameAt(fields.compositionRef, 'name');
    })();
  if (!name) return undefined;
  const extras: string[] = [];
  const selection = evaluation.selection;
  if (selection?.compositionRevisionRef && evaluation.composition) {
    extras.push(`revision ${selection.compositionRevisionRef}`);
  }
  if (selection && selection.compositionUpdatePolicy !== 'Automatic') {
    extras.push(`update policy ${selection.compositionUpdatePolicy}`);
  }
  return extras.length > 0 ? `${name} (${extras.join(', ')})` : name;
}

function newCatalogErrors(base: readonly CatalogError[], head: readonly CatalogError[]): ClaimFinding[] {
  const before = new Set(base.map((e) => `${e.file ?? ''}\u0000${e.message}`));
  return head
    .filter((e) => !before.has(`${e.file ?? ''}\u0000${e.message}`))
    .map((e) => ({
      id: 'claims' as const,
      status: 'fail' as const,
      message: e.message,
      ...(e.file !== undefined ? { file: e.file } : {}),
      ...(e.line !== undefined ? { line: e.line } : {}),
    }));
}

function annotation(object: Record<string, unknown>, key: string): unknown {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return isRecord(metadata.annotations) ? metadata.annotations[key] : undefined;
}

function violationKey(v: SchemaViolation): string {
  return `${v.path}\u0000${v.message}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** JSON with sorted object keys, so equal values compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!isRecord(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = v[k];
    return sorted;
  });
}
