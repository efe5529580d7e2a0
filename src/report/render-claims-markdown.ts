import { BLOCKED_CONSEQUENCE } from '../crossplane/claim-risk.ts';
import { KNOWN_AFTER_APPLY } from '../crossplane/known-after-apply.ts';
import { isRecord } from '../model/kube-object.ts';
import type { ClaimReport, ComposedResourcePlan } from '../model/plan-report.ts';
import { codeSpan, escapeInline } from './escape-markdown.ts';

const ACTION_LABEL: Record<ClaimReport['action'], string> = {
  create: '➕ create',
  update: '✏️ update',
  delete: '➖ delete',
  unchanged: 'unchanged',
  deferred: '⏸️ deferred',
};

/** Fields listed per composed resource before the rest is summarized; the JSON report has them all. */
const MAX_FIELDS = 30;
const MAX_VALUE_CHARS = 120;
/** Apps named per ApplicationSet that targets a new cluster before the rest is counted. */
const MAX_TARGET_APPS = 10;

function claimName(claim: ClaimReport): string {
  const where = claim.namespace ? `${claim.namespace}/${claim.name}` : claim.name;
  return `${claim.kind} ${where}`;
}

function value(v: unknown): string {
  if (v === undefined) return '_(absent)_';
  if (v === KNOWN_AFTER_APPLY) return '_(known after apply)_';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return codeSpan(text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text);
}

interface FieldLine {
  path: string;
  before: unknown;
  after: unknown;
  immutable: boolean;
}

function fieldLines(fields: unknown): FieldLine[] {
  if (!Array.isArray(fields)) return [];
  return fields
    .filter(isRecord)
    .filter((f) => typeof f.path === 'string')
    .map((f) => ({
      path: f.path as string,
      before: f.before,
      after: f.after,
      immutable: f.immutable === true,
    }));
}

function composedLines(resource: ComposedResourcePlan): string[] {
  const what = `${escapeInline(resource.kind)} ${codeSpan(resource.name)}`;
  switch (resource.action) {
    case 'unknown':
      return [
        `- ❔ ${typeof resource.fields === 'string' ? escapeInline(resource.fields) : `composed resources not predicted: function ${codeSpan(resource.name)}`}`,
      ];
    case 'orphan':
      return [`- 🔓 orphan ${what}: will be orphaned, not deleted`];
    case 'delete':
      return [`- ➖ destroy ${what} ⚠️`];
    case 'create':
    case 'update':
    case 'blocked': {
      const head =
        resource.action === 'create'
          ? `- ➕ create ${what}${resource.apiVersion ? ` (${codeSpan(resource.apiVersion)})` : ''}`
          : resource.action === 'update'
            ? `- ✏️ update ${what}`
            : `- ⛔ blocked update of ${what}: ${BLOCKED_CONSEQUENCE} ⚠️`;
      const fields = fieldLines(resource.fields);
      const lines = fields
        .slice(0, MAX_FIELDS)
        .map((f) =>
          resource.action === 'create'
            ? `  - ${codeSpan(f.path)}: ${value(f.after)}`
            : `  - ${codeSpan(f.path)}: ${value(f.before)} → ${value(f.after)}${f.immutable ? ' (immutable)' : ''}`,
        );
      if (fields.length > MAX_FIELDS) lines.push(`  - … and ${fields.length - MAX_FIELDS} more fields`);
      return [head, ...lines];
    }
    default:
      return [`- ${escapeInline(resource.action)} ${what}`];
  }
}

function planLine(summary: NonNullable<ClaimReport['summary']>): string {
  return `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy${summary.blocked ? `, ${summary.blocked} blocked` : ''}.`;
}

/** A pinned claim: why it waits, then (nested) what it gets when it moves to the new revision. */
function deferredLines(deferred: NonNullable<ClaimReport['deferred']>): string[] {
  const moved = deferred.composed.flatMap(composedLines).map((line) => `  ${line}`);
  const notes = (deferred.notes ?? []).map((note) => `  - ℹ️ ${escapeInline(note)}`);
  const plan = deferred.summary ? [`  - then: ${planLine(deferred.summary)}`] : [];
  const tail = moved.length + notes.length > 0 ? ' When it moves to the new revision:' : '';
  return [`- ⏸️ deferred: ${escapeInline(deferred.reason)}.${tail}`, ...moved, ...notes, ...plan];
}

function clusterLines(claim: ClaimReport): string[] {
  if (!claim.cluster || !claim.clusterTargets) return ['- 🌐 registered as an Argo CD cluster once ready'];
  const cluster = `${codeSpan(claim.cluster.name)}${claim.cluster.server ? '' : ' (server known after apply)'}`;
  if (claim.clusterTargets.length === 0) {
    return [`- 🌐 registers cluster ${cluster} once ready; no ApplicationSet targets it`];
  }
  const verb = claim.action === 'create' ? 'creates' : 'generates';
  return claim.clusterTargets.map((target) => {
    const apps = target.apps.slice(0, MAX_TARGET_APPS).map(codeSpan).join(', ');
    const more =
      target.apps.length > MAX_TARGET_APPS ? ` and ${target.apps.length - MAX_TARGET_APPS} more` : '';
    return `- 🌐 registers cluster ${cluster} → ApplicationSet ${codeSpan(target.applicationSet)} ${verb} ${apps}${more}`;
  });
}

function claimDetails(claim: ClaimReport): string {
  const composition = claim.composition ? ` via composition ${codeSpan(claim.composition)}` : '';
  const risk = [
    ...(claim.destructive ? ['destructive'] : []),
    ...(claim.blocked ? ['blocked update'] : []),
  ].join(', ');
  const header = `${risk ? '⚠️ ' : ''}**${claim.action}** ${escapeInline(claimName(claim))}${composition}${risk ? ` — ${risk}, needs approval` : ''}`;
  const items = claim.composed.flatMap(composedLines);
  if (claim.connectionSecret) {
    const secret =
      claim.connectionSecret.namespace && claim.connectionSecret.namespace !== claim.namespace
        ? `${claim.connectionSecret.namespace}/${claim.connectionSecret.name}`
        : claim.connectionSecret.name;
    const chain = [
      ...(claim.consumers && claim.consumers.length > 0 ? [escapeInline(claim.consumers.join(', '))] : []),
      codeSpan(secret),
      escapeInline(claimName(claim)),
    ];
    items.push(`- 🔑 connection secret: ${chain.join(' ← ')}`);
  }
  if (claim.registersCluster) items.push(...clusterLines(claim));
  if (claim.deferred) items.push(...deferredLines(claim.deferred));
  for (const note of claim.notes ?? []) items.push(`- ℹ️ ${escapeInline(note)}`);
  const lines = [header];
  if (items.length > 0) lines.push('', ...items);
  if (claim.summary) {
    lines.push('', planLine(claim.summary));
  }
  return lines.join('\n');
}

/**
 * The "Provisioning plan" section for Crossplane claims, or '' when there are none: an overview
 * table, then per changed claim its composed resources Terraform-style (field changes, destroyed and
 * orphaned resources, what could not be predicted), the connection secret and who reads it. Claims
 * appear in the order given (the report sorts them).
 */
export function renderClaimsMarkdown(allClaims: readonly ClaimReport[]): string {
  // Unchanged claims are counted, not listed: the section is about what this change provisions.
  const claims = allClaims.filter((c) => c.action !== 'unchanged');
  const unchanged = allClaims.length - claims.length;
  const unchangedLine =
    unchanged === 0 ? '' : `${unchanged} unchanged claim${unchanged === 1 ? ' is' : 's are'} not shown.`;
  if (claims.length === 0) return '';
  const lines = [
    '#### Provisioning plan',
    '',
    '| Claim | Action | Composition | Destructive |',
    '| --- | --- | --- | --- |',
  ];
  for (const claim of claims) {
    const cells = [
      escapeInline(claimName(claim)),
      ACTION_LABEL[claim.action] ?? escapeInline(claim.action),
      claim.composition ? escapeInline(claim.composition) : '—',
      claim.destructive ? '⚠️ yes' : 'no',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const sections = [lines.join('\n')];
  if (unchangedLine) sections.push(unchangedLine);
  for (const claim of claims) sections.push(claimDetails(claim));
  return sections.join('\n\n');
}
