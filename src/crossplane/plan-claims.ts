import { isRecord } from '../model/kube-object.ts';
import type { ClaimReport, ComposedResourcePlan } from '../model/plan-report.ts';
import { connectionSecretOf, consumersOf } from './claim-connection.ts';
import { type ClaimFinding, planComposedChanges, riskFindings, schemaFindings } from './claim-risk.ts';
import { buildSide, type CrossplaneInput, type Instance, nameAt, type Side } from './claim-sides.ts';
import { buildCompositeView } from './composite-view.ts';
import { allCompositions, type CatalogError } from './crossplane-catalog.ts';
import type { Composition } from './crossplane-model.ts';
import { createReplacementDetector, type ReplacementDetector } from './detect-replacement.ts';
import { type ComposedResult, renderComposed, type UnsupportedStep } from './render-composed.ts';
import { resolveEnvironment } from './resolve-environment.ts';
import { type RevisionPin, revisionForNewInstance, revisionPin } from './revision-pin.ts';
import { type CompositionSelection, selectComposition } from './select-composition.ts';
import { type SchemaViolation, validateAgainstXrd } from './validate-against-xrd.ts';

export type { ClaimFinding } from './claim-risk.ts';
export type { CrossplaneInput, CrossplaneObject } from './claim-sides.ts';

/** The composed resources predicted for one claim/XR at head, for schema validation by the caller. */
export interface PredictedComposed {
  /** `Kind namespace/name` of the claim/XR. */
  label: string;
  file?: string;
  line?: number;
  /** Values only known after apply are KNOWN_AFTER_APPLY. */
  objects: Record<string, unknown>[];
}

export interface ClaimsPlan {
  claims: ClaimReport[];
  findings: ClaimFinding[];
  predicted: PredictedComposed[];
}

export const REGISTER_CLUSTER_ANNOTATION = 'mergeplane.io/register-cluster';

interface Evaluation {
  selection: CompositionSelection | undefined;
  composition: Composition | undefined;
  errors: SchemaViolation[];
  /** Undefined when the composed resources cannot be predicted at all. */
  rendered: ComposedResult | undefined;
  notes: string[];
}

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
  const predicted: PredictedComposed[] = [];
  findings.push(...newCatalogErrors(base.catalog.errors, head.catalog.errors));

  // Provider CRDs at head decide which composed fields are immutable (an update of one is rejected: blocked).
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
    if (planned.predicted) predicted.push(planned.predicted);
  }
  const order = (c: ClaimReport) => `${c.kind}\u0000${c.namespace}\u0000${c.name}`;
  claims.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0));
  return { claims, findings, predicted };
}

function planInstance(o: {
  base: Side;
  head: Side;
  b: Instance | undefined;
  h: Instance | undefined;
  registerClusterKinds: readonly string[];
  replacement: ReplacementDetector;
}): { claim: ClaimReport; findings: ClaimFinding[]; predicted?: PredictedComposed } {
  const { b, h } = o;
  const current = (h ?? b)!;
  const label = `${current.kind} ${current.namespace ? `${current.namespace}/` : ''}${current.name}`;
  const notes: string[] = [];
  const { be, he, deferral } = evaluateBoth(o);

  const predictable = (!b || be?.rendered !== undefined) && (!h || he?.rendered !== undefined);
  const changes = predictable
    ? planComposedChanges(be?.rendered, he?.rendered, o.replacement, notes)
    : { composed: [], destroyed: [], blocked: [], summary: undefined, changed: false };
  const { composed, destroyed, blocked, summary } = changes;
  const composedChanged = changes.changed;
  const unsupported = unsupportedSteps(be, he);
  composed.push(...unsupported);
  let action: ClaimReport['action'] = 'unchanged';
  if (!b) action = 'create';
  else if (!h) action = 'delete';
  else if (
    canonical(b.object) !== canonical(h.object) ||
    be?.composition?.name !== he?.composition?.name ||
    composedChanged
  )
    action = 'update';
  const deferred = deferral ? deferredChanges(he, deferral, o.replacement) : undefined;
  if (deferred && action === 'unchanged') action = 'deferred';

  // Deleting a claim whose composed resources are unknown is assumed to destroy them (the default policy).
  const unknownDeletion = action === 'delete' && (!be?.rendered || unsupported.length > 0);
  const destructive = destroyed.length > 0 || unknownDeletion;

  const location = {
    ...(current.file !== undefined ? { file: current.file } : {}),
    ...(current.line !== undefined ? { line: current.line } : {}),
  };
  const findings = [
    ...riskFindings({ label, action, destroyed, blocked, unknownDeletion, location }),
    ...schemaFindings({
      label,
      action,
      before: be?.errors ?? [],
      after: h ? he?.errors : undefined,
      location,
      notes,
    }),
  ];
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
    ...(blocked.length > 0 ? { blocked: true } : {}),
    ...(deferred ? { deferred } : {}),
    ...location,
    ...(summary ? { summary } : {}),
    ...(connectionSecret ? { connectionSecret } : {}),
    ...(consumers.length > 0 ? { consumers } : {}),
    ...(registersCluster ? { registersCluster } : {}),
    ...(allNotes.length > 0 ? { notes: allNotes } : {}),
  };
  const objects = he?.rendered?.resources.map((r) => r.object) ?? [];
  const predicted = objects.length > 0 ? { label, ...location, objects } : undefined;
  return { claim, findings, ...(predicted ? { predicted } : {}) };
}

interface Deferral {
  pin: RevisionPin;
  /** The evaluation once the XR moves to the new revision. */
  moved: Evaluation;
}

/**
 * Evaluates the claim at both revisions. An existing XR pinned to its current CompositionRevision (Manual update
 * policy, or a revision selector the new revision does not match) is composed with the base Composition now; what
 * it gets when it moves is the deferral. A new XR with a revision selector gets the latest matching revision.
 */
function evaluateBoth(o: { base: Side; head: Side; b: Instance | undefined; h: Instance | undefined }): {
  be: Evaluation | undefined;
  he: Evaluation | undefined;
  deferral?: Deferral;
} {
  const be = o.b ? evaluate(o.base, o.b) : undefined;
  const he = o.h ? evaluate(o.head, o.h) : undefined;
  const next = he?.composition;
  if (!o.h?.parsed || !he?.selection || !next) return { be, he };
  const current = be?.composition;
  if (o.b && current && current.name === next.name && canonical(current) !== canonical(next)) {
    const pin = revisionPin({
      instance: o.h.parsed,
      policy: he.selection.compositionUpdatePolicy,
      current,
      next,
    });
    if (pin) return { be, he: evaluate(o.head, o.h, current), deferral: { pin, moved: he } };
  }
  if (!o.b && o.h.parsed.compositionRevisionSelector) {
    const atBase = allCompositions(o.base.catalog).find((c) => c.name === next.name);
    const chosen = revisionForNewInstance({ instance: o.h.parsed, next, current: atBase });
    if (chosen.composition !== next) {
      const evaluation = chosen.composition
        ? evaluate(o.head, o.h, chosen.composition)
        : { ...he, rendered: undefined };
      evaluation.notes.push(...(chosen.note ? [chosen.note] : []));
      return { be, he: evaluation };
    }
  }
  return { be, he };
}

/** Pipeline steps whose output cannot be predicted, once each, as `(not predicted)` composed entries. */
function unsupportedSteps(be: Evaluation | undefined, he: Evaluation | undefined): ComposedResourcePlan[] {
  const steps = new Map<string, UnsupportedStep>();
  for (const step of [...(he?.rendered?.unsupported ?? []), ...(be?.rendered?.unsupported ?? [])]) {
    const key = `${step.step}\u0000${step.functionName}`;
    if (!steps.has(key)) steps.set(key, step);
  }
  return [...steps.values()].map((step) => ({
    apiVersion: '',
    kind: '(not predicted)',
    name: step.functionName,
    action: 'unknown',
    fields: step.reason,
  }));
}

/** The change a pinned XR gets when it moves to the new revision (not predicted: `composed` empty, with a note). */
function deferredChanges(
  now: Evaluation | undefined,
  deferral: Deferral,
  replacement: ReplacementDetector,
): NonNullable<ClaimReport['deferred']> {
  const notes: string[] = [];
  if (!now?.rendered || !deferral.moved.rendered) {
    return { reason: deferral.pin.reason, composed: [], notes: ['the change it gets then is not predicted'] };
  }
  const changes = planComposedChanges(now.rendered, deferral.moved.rendered, replacement, notes);
  return {
    reason: deferral.pin.reason,
    composed: changes.composed,
    ...(changes.summary ? { summary: changes.summary } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
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
    templateDirs: side.templateDirs,
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
