import { gatesFailed } from '../gates/evaluate-gates.ts';
import type { AppReport, GateResult, PlanReport } from '../model/plan-report.ts';
import { shortRevision } from '../model/text.ts';
import { codeFence, codeSpan, escapeInline } from '../report/escape-markdown.ts';
import { isShownApp, plural, STATUS_LABEL } from '../report/labels.ts';
import { type ApprovalsView, approvalLines } from '../report/render-approvals-markdown.ts';
import { renderJson } from '../report/render-json.ts';
import { countActions } from '../report/summarize-report.ts';

export const CHECK_RUN_NAME = 'Mergeplane / plan';

/** GitHub's limit for `output.summary` and `output.text` (characters; enforced here in UTF-8 bytes). */
export const MAX_OUTPUT_LENGTH = 65_535;
/** GitHub accepts at most this many annotations per create or update request. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit for an annotation's `message`: 64 KB. */
export const MAX_ANNOTATION_MESSAGE_BYTES = 64 * 1024;
// GitHub rejects annotation titles longer than 255 characters.
const MAX_ANNOTATION_TITLE = 255;
// A gate message is one list item in the summary; longer ones are cut so one message cannot crowd out the rest.
const MAX_SUMMARY_MESSAGE = 1_000;

export type CheckRunConclusion = 'success' | 'failure' | 'action_required';

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunPayload {
  name: string;
  head_sha: string;
  status: 'completed';
  conclusion: CheckRunConclusion;
  output: { title: string; summary: string; text?: string; annotations?: Annotation[] };
  details_url?: string;
  actions?: { label: string; description: string; identifier: string }[];
}

export interface CheckRunOptions {
  headSha: string;
  /** Where the JSON report can be read; becomes the check run's `details_url`. */
  detailsUrl?: string;
  /** The sticky plan comment, linked from the summary. */
  commentUrl?: string;
  /** A user with write access approved with `/mergeplane approve`. */
  approved?: boolean;
  /** Approvals applied to `report.gates` (who approved, whose approval did not count): listed in the summary. */
  approvals?: ApprovalsView;
  /** Append the JSON report to `text` as a collapsed code block when it fits GitHub's limit. */
  jsonReport?: boolean;
  /** How to approve, where not with a comment on this pull request (a merge group has no conversation). */
  approveHow?: string;
}

export interface CheckRunOutput {
  /** Body of `POST /repos/{owner}/{repo}/check-runs`, with the first 50 annotations. */
  payload: CheckRunPayload;
  /**
   * The remaining annotations in chunks of 50, each for one follow-up
   * `PATCH /repos/{owner}/{repo}/check-runs/{id}` with `{ output: { title, summary, annotations } }`
   * (GitHub appends annotations on update).
   */
  extraAnnotations: Annotation[][];
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The longest prefix of `text` within `maxBytes` UTF-8 bytes, cut between code points (never inside a
 * surrogate pair) and never inside an HTML entity that escaping produced.
 */
function cutToBytes(text: string, maxBytes: number, markdown = false): string {
  if (byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  const cut = text.slice(0, end);
  return markdown ? cut.replace(/&#?[0-9a-z]*$/i, '') : cut;
}

/** At most `max` code points, with an ellipsis when cut. */
function cutToChars(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Joins `head` and as many `items` lines as fit GitHub's limit. Cutting only between whole lines keeps
 * every list item and table row intact, so truncation cannot leave broken Markdown behind.
 */
function fitLines(
  head: readonly string[],
  items: readonly string[],
  note: (omitted: number) => string,
): string {
  const full = [...head, ...items].join('\n');
  if (byteLength(full) <= MAX_OUTPUT_LENGTH) return full;
  let used = byteLength(head.join('\n'));
  let kept = 0;
  for (const item of items) {
    const omitted = items.length - kept - 1;
    const size = byteLength(item) + 1;
    const reserve = omitted > 0 ? byteLength(note(omitted)) + 2 : 0;
    if (used + size + reserve > MAX_OUTPUT_LENGTH) break;
    used += size;
    kept += 1;
  }
  const text = [...head, ...items.slice(0, kept), '', note(items.length - kept)].join('\n');
  // Only a head that is itself over the limit (an absurdly long URL or revision) needs this.
  return cutToBytes(text, MAX_OUTPUT_LENGTH, true);
}

function checkRunConclusion(gates: readonly GateResult[], approved = false): CheckRunConclusion {
  if (gatesFailed([...gates])) return 'failure';
  if (!approved && gates.some((g) => g.status === 'needs-approval')) return 'action_required';
  return 'success';
}

function changedCounts(report: PlanReport): string {
  const { apps } = report.summary;
  const changedApps = apps.changed + apps.added + apps.removed;
  const changedClaims = report.claims.filter((c) => c.action !== 'unchanged').length;
  const parts = [
    ...(changedApps ? [plural(changedApps, 'app', 'apps')] : []),
    ...(changedClaims ? [plural(changedClaims, 'claim', 'claims')] : []),
  ];
  return parts.length ? `${parts.join(' and ')} changed` : '';
}

function checkRunTitle(report: PlanReport, conclusion: CheckRunConclusion, approvedByView: boolean): string {
  const changed = changedCounts(report);
  if (conclusion === 'failure') {
    const errors = plural(report.gates.filter((g) => g.status === 'fail').length, 'error', 'errors');
    return changed ? `${changed}, ${errors}` : errors;
  }
  const waiting = report.gates.filter((g) => g.status === 'needs-approval');
  if (conclusion === 'action_required') {
    const destructiveOnly = waiting.every((g) => g.id === 'destructive');
    if (waiting.length === 1)
      return destructiveOnly ? 'Destructive change awaiting approval' : 'Awaiting approval';
    return destructiveOnly
      ? `${waiting.length} destructive changes awaiting approval`
      : `${waiting.length} findings awaiting approval`;
  }
  const base = changed || 'No affected applications';
  return waiting.length || approvedByView ? `${base}, approved` : base;
}

function gateIcon(gate: GateResult, approved: boolean): string {
  if (gate.status === 'fail') return '❌';
  if (gate.status === 'needs-approval') return approved ? '☑️' : '⏸️';
  return '✅';
}

function gateLine(gate: GateResult, approved: boolean): string {
  const parts = [
    `- ${gateIcon(gate, approved)} **${escapeInline(gate.id)}**: ${escapeInline(cutToChars(gate.message.trim(), MAX_SUMMARY_MESSAGE))}`,
  ];
  if (gate.status === 'needs-approval' && approved) parts.push('approved');
  if (gate.app !== undefined) parts.push(`app **${escapeInline(gate.app)}**`);
  if (gate.file !== undefined) {
    parts.push(codeSpan(gate.line === undefined ? gate.file : `${gate.file}:${gate.line}`));
  }
  return parts.join(' · ');
}

/** A URL usable as a Markdown link destination: nothing in it can end the link or the line. */
function linkTarget(url: string): string {
  return url.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function conclusionLine(
  conclusion: CheckRunConclusion,
  report: PlanReport,
  approved: boolean,
  approveHow?: string,
): string {
  const waiting = report.gates.some((g) => g.status === 'needs-approval');
  const approve = approveHow ?? 'a user with write access can approve with a `/mergeplane approve` comment';
  if (conclusion === 'failure') {
    const fix = '**The plan has errors**: fix the failing gates below and push again.';
    return waiting && !approved ? `${fix} For the changes awaiting approval, ${approve}.` : fix;
  }
  if (conclusion === 'action_required') return `**Awaiting approval**: ${approve}.`;
  return waiting ? '**All gates passed** after approval.' : '**All gates passed.**';
}

function checkRunSummary(
  report: PlanReport,
  conclusion: CheckRunConclusion,
  options: CheckRunOptions,
): string {
  const approved = options.approved === true;
  const head = [
    conclusionLine(conclusion, report, approved, options.approveHow),
    '',
    `${codeSpan(shortRevision(report.base))} → ${codeSpan(shortRevision(report.head))}`,
  ];
  // The link goes above the gate list, so truncating the list never drops it.
  if (options.commentUrl !== undefined) {
    head.push('', `Full plan with diffs: [pull-request comment](${linkTarget(options.commentUrl)})`);
  }
  const ordered = [
    ...report.gates.filter((g) => g.status === 'fail'),
    ...report.gates.filter((g) => g.status === 'needs-approval'),
    ...report.gates.filter((g) => g.status === 'pass'),
  ];
  const approvals = options.approvals === undefined ? [] : approvalLines(options.approvals);
  const gates = ordered.map((g) => gateLine(g, approved));
  // Approval lines are user text of unbounded count: items, so truncation can cut them, never the head.
  if (approvals.length === 0) head.push('', '#### Gates', '');
  else head.push('', '#### Approvals', '');
  const items = approvals.length === 0 ? gates : [...approvals, '', '#### Gates', '', ...gates];
  const where = options.commentUrl !== undefined ? 'the plan comment' : 'the JSON report';
  return fitLines(
    head,
    items,
    (omitted) =>
      `_Truncated at GitHub's ${MAX_OUTPUT_LENGTH.toLocaleString('en-US')}-character limit: ${plural(omitted, 'more gate', 'more gates')} not shown; see ${where}._`,
  );
}

function appRow(app: AppReport, label: string): string {
  const counts = countActions(app.resources);
  const none = app.status === 'error' && (app.resources ?? []).length === 0;
  const cells = [
    escapeInline(label),
    STATUS_LABEL[app.status],
    ...(none ? ['—', '—', '—'] : [counts.create, counts.update, counts.delete].map(String)),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** A compact table of the affected apps; undefined when none is affected. */
function checkRunText(report: PlanReport): string | undefined {
  const affected = report.apps
    .filter(isShownApp)
    .sort(
      (a, b) =>
        Number(b.status === 'error') - Number(a.status === 'error') ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0),
    );
  if (affected.length === 0) return undefined;
  const names = new Map<string, number>();
  for (const app of affected) names.set(app.name, (names.get(app.name) ?? 0) + 1);
  const label = (app: AppReport) =>
    (names.get(app.name) ?? 0) > 1 ? `${app.namespace}/${app.name}` : app.name;
  const head = ['| App | Status | Create | Update | Delete |', '| --- | --- | ---: | ---: | ---: |'];
  return fitLines(
    head,
    affected.map((app) => appRow(app, label(app))),
    (omitted) =>
      `_Truncated at GitHub's ${MAX_OUTPUT_LENGTH.toLocaleString('en-US')}-character limit: ${plural(omitted, 'more app', 'more apps')} not shown._`,
  );
}

function annotationFor(gate: GateResult, file: string): Annotation {
  const line = gate.line !== undefined && Number.isInteger(gate.line) && gate.line >= 1 ? gate.line : 1;
  const note = '\n… (message truncated)';
  const message = gate.message.trim() === '' ? gate.id : gate.message;
  return {
    path: file,
    start_line: line,
    end_line: line,
    annotation_level: gate.status === 'fail' ? 'failure' : 'warning',
    title: cutToChars(gate.id, MAX_ANNOTATION_TITLE),
    message:
      byteLength(message) <= MAX_ANNOTATION_MESSAGE_BYTES
        ? message
        : `${cutToBytes(message, MAX_ANNOTATION_MESSAGE_BYTES - byteLength(note))}${note}`,
  };
}

function checkRunAnnotations(gates: readonly GateResult[]): Annotation[] {
  // Failures first, so the first request (which the checks UI shows even if a follow-up fails) has them.
  const open = [
    ...gates.filter((g) => g.status === 'fail'),
    ...gates.filter((g) => g.status === 'needs-approval'),
  ];
  return open.flatMap((g) => (g.file !== undefined && g.file !== '' ? [annotationFor(g, g.file)] : []));
}

/**
 * The JSON report as a collapsed block after `table`, when both fit GitHub's limit for `output.text`;
 * else a note with the summary counts, so the text stays valid and the counts are still there.
 */
function withJsonReport(report: PlanReport, table: string | undefined): string {
  const json = renderJson(report);
  const block = [
    '<details><summary>JSON report</summary>',
    '',
    codeFence(json, 'json'),
    '',
    '</details>',
  ].join('\n');
  const joined = table === undefined ? block : `${table}\n\n${block}`;
  if (byteLength(joined) <= MAX_OUTPUT_LENGTH) return joined;
  const { apps, resources } = report.summary;
  const note = [
    `_The JSON report (${byteLength(json).toLocaleString('en-US')} bytes) is too large for the check run; run \`mergeplane plan --format json\` for it._`,
    `Summary: apps ${apps.changed} changed, ${apps.added} added, ${apps.removed} removed, ${apps.unchanged} unchanged, ${apps.error} with errors; resources ${resources.create} to create, ${resources.update} to update, ${resources.delete} to delete.`,
  ].join('\n\n');
  const withTable = table === undefined ? note : `${table}\n\n${note}`;
  // The table alone is kept within the limit by fitLines; leave room for the note or drop the table.
  return byteLength(withTable) <= MAX_OUTPUT_LENGTH ? withTable : note;
}

/**
 * The `Mergeplane / plan` check run for a plan: conclusion from the gates (any `fail` → failure; an
 * unapproved `needs-approval` → action_required; else success), a short title, a Markdown summary of
 * the gates, a compact per-app table as `text`, and file/line annotations for the open gates. Summary
 * and text are cut to GitHub's size limit at line boundaries with a note; annotations beyond the first
 * 50 come back in `extraAnnotations` for follow-up updates.
 */
export function checkRunFromReport(report: PlanReport, options: CheckRunOptions): CheckRunOutput {
  const conclusion = checkRunConclusion(report.gates, options.approved === true);
  const annotations = checkRunAnnotations(report.gates);
  const table = checkRunText(report);
  const text = options.jsonReport === true ? withJsonReport(report, table) : table;
  const first = annotations.slice(0, MAX_ANNOTATIONS_PER_REQUEST);
  const extraAnnotations: Annotation[][] = [];
  for (let i = MAX_ANNOTATIONS_PER_REQUEST; i < annotations.length; i += MAX_ANNOTATIONS_PER_REQUEST) {
    extraAnnotations.push(annotations.slice(i, i + MAX_ANNOTATIONS_PER_REQUEST));
  }
  const payload: CheckRunPayload = {
    name: CHECK_RUN_NAME,
    head_sha: options.headSha,
    status: 'completed',
    conclusion,
    output: {
      title: checkRunTitle(report, conclusion, (options.approvals?.approved.length ?? 0) > 0),
      summary: checkRunSummary(report, conclusion, options),
      ...(text !== undefined ? { text } : {}),
      ...(first.length > 0 ? { annotations: first } : {}),
    },
    ...(options.detailsUrl !== undefined ? { details_url: options.detailsUrl } : {}),
  };
  return { payload, extraAnnotations };
}
