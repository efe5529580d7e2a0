import { countDiffLines } from '../diff/diff-definition.ts';
import type { AppReport, GateResult, PlanReport, ResourceChange } from '../model/plan-report.ts';
import { shortRevision } from '../model/text.ts';
import { codeFence, codeSpan, escapeInline } from './escape-markdown.ts';
import { isShownApp, plural, STATUS_LABEL } from './labels.ts';
import { type ApprovalsView, renderApprovalsMarkdown } from './render-approvals-markdown.ts';
import { renderClaimsMarkdown } from './render-claims-markdown.ts';
import { liveBlocks } from './render-live-markdown.ts';
import { isShownByItsPair, resourceTitle } from './resource-title.ts';
import { countActions } from './summarize-report.ts';

/** A check run as the comment links it: its name and its page on GitHub. */
export interface CheckRunRef {
  name: string;
  url: string;
}

export interface MarkdownOptions {
  /** Heading text; default "Mergeplane plan". */
  title?: string;
  /** Diff lines shown per resource before the rest is cut with a note; default 500. */
  maxDiffLines?: number;
  /** Approvals of the pull request (GitHub App only): shown after the gates. */
  approvals?: ApprovalsView;
  /**
   * Notes from Mergeplane itself (trusted Markdown, never repository text), shown under the heading,
   * e.g. that a change to `.github/mergeplane.yml` takes effect after merge.
   */
  notes?: readonly string[];
  /** The check run this plan concludes (GitHub App only): linked from the heading line. */
  checkRun?: CheckRunRef;
  /**
   * Length the comment should stay within (`comment.maxParts` parts): app diffs that do not fit are left
   * out, last first, and named with where to see them. Default: no limit (the CLI prints everything).
   */
  maxLength?: number;
}

/** Names listed in the "not shown" note; the rest is counted. */
const MAX_OMITTED_NAMES = 50;

const DEFAULT_MAX_DIFF_LINES = 500;
// Longer one-line gate messages are cut in the list and shown whole in a code block under it.
const MAX_INLINE_MESSAGE = 300;

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Errors first, then by name (namespace breaks ties). */
function compareApps(a: AppReport, b: AppReport): number {
  const errors = Number(b.status === 'error') - Number(a.status === 'error');
  return errors || compareText(a.name, b.name) || compareText(a.namespace, b.namespace);
}

/** An app's name, qualified by its namespace only when another app in the report shares the name. */
function appLabeler(apps: readonly AppReport[]): (app: AppReport) => string {
  const seen = new Map<string, number>();
  for (const app of apps) seen.set(app.name, (seen.get(app.name) ?? 0) + 1);
  return (app) => ((seen.get(app.name) ?? 0) > 1 ? `${app.namespace}/${app.name}` : app.name);
}

function destination(app: AppReport): string {
  const cluster = app.destination.name ?? app.destination.server ?? '';
  const namespace = app.destination.namespace ?? '';
  if (cluster && namespace) return `${cluster} / ${namespace}`;
  return cluster || namespace || '—';
}

function location(gate: GateResult): string {
  if (gate.file === undefined) return '';
  return codeSpan(gate.line === undefined ? gate.file : `${gate.file}:${gate.line}`);
}

/**
 * A Markdown link to the check run. The URL comes from GitHub's API, but it is still checked: only an https
 * (or, for GitHub Enterprise test setups, http) URL without characters that could end the link is used.
 */
export function checkRunLink({ name, url }: CheckRunRef): string {
  const safe = /^https?:\/\/[^\s()<>[\]"'`]+$/.test(url);
  const label = `check run ${codeSpan(name)}`;
  return safe ? `[${label}](${url})` : label;
}

function heading(report: PlanReport, options: MarkdownOptions): string {
  const title = escapeInline(options.title ?? 'Mergeplane plan');
  const range = `${codeSpan(shortRevision(report.base))} → ${codeSpan(shortRevision(report.head))}`;
  const check = options.checkRun === undefined ? '' : ` · ${checkRunLink(options.checkRun)}`;
  return `### ${title}\n\n${range}${check}`;
}

function renderGate(gate: GateResult, errorApps: readonly AppReport[]): string {
  const icon = gate.status === 'fail' ? '❌' : '⏸️';
  const message = gate.message.replace(/\r\n?/g, '\n').trim();
  const firstLine = message.split('\n', 1)[0] ?? '';
  const whole = !message.includes('\n') && message.length <= MAX_INLINE_MESSAGE;
  const shown = whole ? message : `${firstLine.slice(0, MAX_INLINE_MESSAGE)} …`;
  const parts = [`- ${icon} **${escapeInline(gate.id)}**: ${escapeInline(shown)}`];
  if (gate.app !== undefined) parts.push(`app **${escapeInline(gate.app)}**`);
  const where = location(gate);
  if (where) parts.push(where);
  const line = parts.join(' · ');
  if (whole) return line;
  // A render failure repeats the app's error, which the Errors section already shows in full.
  const shownBelow = errorApps.some(
    (app) => app.name === gate.app && app.error !== undefined && message.includes(app.error.trim()),
  );
  if (shownBelow) return `${line} (full output under Errors)`;
  const block = codeFence(message, 'text')
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n');
  return `${line}\n\n${block}`;
}

function gatesSection(gates: readonly GateResult[], errorApps: readonly AppReport[]): string {
  // Failures before approvals; otherwise the order the gates were evaluated in.
  const open = [
    ...gates.filter((g) => g.status === 'fail'),
    ...gates.filter((g) => g.status === 'needs-approval'),
  ];
  if (open.length === 0) return '';
  const failing = open.filter((g) => g.status === 'fail').length;
  const waiting = open.length - failing;
  const title = [
    ...(failing ? [`${plural(failing, 'gate', 'gates')} failing`] : []),
    ...(waiting ? [`${waiting} awaiting approval`] : []),
  ].join(', ');
  const lines = [`#### Gates: ${title}`, '', ...open.map((g) => renderGate(g, errorApps))];
  if (waiting) lines.push('', 'A user with write access can approve with a `/mergeplane approve` comment.');
  return lines.join('\n');
}

function errorsSection(errorApps: readonly AppReport[], label: (app: AppReport) => string): string {
  if (errorApps.length === 0) return '';
  const blocks = ['#### Errors'];
  for (const app of errorApps) {
    blocks.push(`**${escapeInline(label(app))}**`, codeFence(app.error ?? 'no error message', 'text'));
  }
  return blocks.join('\n\n');
}

function summarySection(report: PlanReport, shown: readonly AppReport[], label: (app: AppReport) => string) {
  const { apps, resources } = report.summary;
  const appCounts = [
    `${plural(apps.changed, 'app', 'apps')} changed`,
    `${apps.added} added`,
    `${apps.removed} removed`,
    ...(apps.renamed > 0 ? [`${apps.renamed} renamed`] : []),
    plural(apps.error, 'error', 'errors'),
  ].join(', ');
  const resourceCounts = `${resources.create} to create, ${resources.update} to update, ${resources.delete} to delete`;
  const lines = [
    `**${appCounts}** · ${resourceCounts}`,
    '',
    '| App | Status | Origin | Destination | Create | Update | Delete | Lines |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const app of shown) {
    const counts = countActions(app.resources);
    const none = app.status === 'error' && (app.resources ?? []).length === 0;
    const cells = [
      `**${escapeInline(label(app))}**`,
      statusText(app),
      escapeInline(originLabel(app)),
      escapeInline(destination(app)),
      ...(none ? ['—', '—', '—'] : [counts.create, counts.update, counts.delete].map(String)),
      none ? '—' : lineCounts(app),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** `+N −M` changed lines of the app's resource diffs. */
function lineCounts(app: AppReport): string {
  const lines =
    app.lines ?? countDiffLines((app.resources ?? []).filter((r) => !isShownByItsPair(r)).map((r) => r.diff));
  return `+${lines.added} −${lines.removed}`;
}

/** `app-of-apps: root › parent` for an app-of-apps child, the recorded origin otherwise. */
function originLabel(app: AppReport): string {
  if (app.parents === undefined || app.parents.length === 0) return app.origin;
  return `app-of-apps: ${app.parents.join(' › ')}`;
}

/** The status label, with `moved` when the Application's file moved. */
function statusText(app: AppReport): string {
  return app.movedFrom !== undefined ? `${STATUS_LABEL[app.status]} · moved` : STATUS_LABEL[app.status];
}

function unchangedLine(count: number): string {
  if (count === 0) return '';
  return count === 1
    ? '1 unchanged application is not shown.'
    : `${count} unchanged applications are not shown.`;
}

function resourceDiff(resource: Pick<ResourceChange, 'diff'>, maxLines: number): string {
  const lines = resource.diff.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  if (lines.length <= maxLines) return codeFence(lines.join('\n'), 'diff');
  const fence = codeFence(lines.slice(0, maxLines).join('\n'), 'diff');
  return `${fence}\n\n_Diff truncated: ${maxLines} of ${lines.length} lines shown._`;
}

function appSummary(app: AppReport, label: string): string {
  const counts = countActions(app.resources);
  const parts = [
    ...(counts.create ? [`${counts.create} to create`] : []),
    ...(counts.update ? [`${counts.update} to update`] : []),
    ...(counts.delete ? [`${counts.delete} to delete`] : []),
  ];
  const detail = parts.length ? ` · ${parts.join(', ')}` : '';
  return `<summary><b>${escapeInline(label)}</b> — ${statusText(app)}${detail}</summary>`;
}

function appDetails(app: AppReport, label: string, maxLines: number): string {
  // Blank lines after <summary> and before </details>: GitHub renders Markdown only in between.
  const blocks = [`<details>${appSummary(app, label)}`];
  const resources = app.resources ?? [];
  if (app.renamedFrom !== undefined) {
    blocks.push(
      `Renamed from ${codeSpan(app.renamedFrom)}: the same resources under a new Application name. Argo CD deletes Application ${codeSpan(app.renamedFrom)} and creates ${codeSpan(app.name)}; the old one has no resources finalizer, so its resources are kept and adopted.`,
    );
  }
  if (app.movedFrom !== undefined) blocks.push(`Application file moved from ${codeSpan(app.movedFrom)}.`);
  if (app.status === 'error') blocks.push('Partial plan: the application has errors, see Errors above.');
  else if (resources.length === 0) blocks.push('No resource changes.');
  if (app.definition !== undefined) {
    blocks.push('**Application definition**', resourceDiff({ diff: app.definition }, maxLines));
  }
  for (const resource of resources) {
    if (!isShownByItsPair(resource)) blocks.push(resourceTitle(resource), resourceDiff(resource, maxLines));
  }
  if (app.live !== undefined)
    blocks.push(...liveBlocks(app.live, (diff) => resourceDiff({ diff }, maxLines)));
  if (app.notApplied !== undefined && app.notApplied.length > 0) {
    blocks.push(
      `Not applied by Argo CD (test or Skip hooks, resources the instance excludes), not diffed: ${app.notApplied.map((o) => codeSpan(o)).join(', ')}.`,
    );
  }
  if (app.notValidated !== undefined && app.notValidated.length > 0) {
    blocks.push(
      `Not validated (no schema: neither a bundled Kubernetes kind nor a CRD in the repository or this plan): ${app.notValidated.map((o) => codeSpan(o)).join(', ')}.`,
    );
  }
  blocks.push('</details>');
  return blocks.join('\n\n');
}

/**
 * The pull-request comment body (and the CLI's Markdown output) for a report: open gates, app errors,
 * a summary table of the affected apps, the provisioning plan, then one collapsed diff per app.
 * Every string from the repository is escaped, so it cannot close a code block, inject HTML or
 * mention anyone. Deterministic: the same report always renders the same text.
 */
export function renderMarkdown(report: PlanReport, options: MarkdownOptions = {}): string {
  const maxLines = Math.max(0, Math.floor(options.maxDiffLines ?? DEFAULT_MAX_DIFF_LINES));
  const shown = report.apps.filter(isShownApp).sort(compareApps);
  const errorApps = shown.filter((app) => app.status === 'error');
  const unchanged = report.apps.length - shown.length;
  const label = appLabeler(report.apps);

  const notes = (options.notes ?? []).map((note) => `> ${note.replace(/\r?\n/g, ' ')}`).join('\n>\n');
  const sections = [
    heading(report, options),
    notes,
    gatesSection(report.gates, errorApps),
    renderApprovalsMarkdown(options.approvals),
  ];
  if (shown.length === 0) {
    const edited = report.apps.filter((app) => app.fileChanged).length;
    sections.push(
      edited === 0
        ? 'No Argo CD applications are affected by this change.'
        : `No Argo CD applications are affected by this change: ${edited} Application file${edited === 1 ? ' was' : 's were'} edited without changing a definition (comments or formatting).`,
      unchangedLine(unchanged),
    );
    sections.push(renderClaimsMarkdown(report.claims));
  } else {
    sections.push(errorsSection(errorApps, label));
    sections.push(summarySection(report, shown, label), unchangedLine(unchanged));
    sections.push(renderClaimsMarkdown(report.claims));
    // An app that failed without a partial plan has nothing to expand: its error is shown above.
    const expandable = shown.filter((app) => app.status !== 'error' || (app.resources ?? []).length > 0);
    const details = expandable.map((app) => appDetails(app, label(app), maxLines));
    const kept = withinLength(sections, details, options.maxLength);
    sections.push(...details.slice(0, kept));
    sections.push(omittedNote(expandable.slice(kept).map(label)));
  }
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

/** How many of `details` fit after `sections` within `maxLength`, keeping room for the omitted note. */
function withinLength(sections: readonly string[], details: readonly string[], maxLength?: number): number {
  if (maxLength === undefined) return details.length;
  const joined = (parts: readonly string[]) => parts.reduce((n, s) => n + (s === '' ? 0 : s.length + 2), 0);
  let length = joined(sections);
  if (length + joined(details) <= maxLength) return details.length;
  const reserve = 200 + MAX_OMITTED_NAMES * 80;
  let kept = 0;
  for (const detail of details) {
    length += detail.length + 2;
    if (length > maxLength - reserve) break;
    kept += 1;
  }
  return kept;
}

function omittedNote(names: readonly string[]): string {
  if (names.length === 0) return '';
  const listed = names.slice(0, MAX_OMITTED_NAMES).map(codeSpan).join(', ');
  const more = names.length > MAX_OMITTED_NAMES ? ` and ${names.length - MAX_OMITTED_NAMES} more` : '';
  const what =
    names.length === 1 ? 'The diff of 1 application is' : `The diffs of ${names.length} applications are`;
  return `${what} not shown, to keep this comment within \`comment.maxParts\` parts: ${listed}${more}. See one with \`/mergeplane diff APP\`, or the whole plan with \`mergeplane plan\` locally.`;
}
