import type { DriftItem } from '../model/drift.ts';
import { codeSpan, escapeInline } from './escape-markdown.ts';

/** The first line of the drift issue's body: how Mergeplane finds its issue again (an HTML comment, not rendered). */
export const DRIFT_ISSUE_MARKER = '<!-- mergeplane:drift-report -->';
export const DRIFT_ISSUE_TITLE = 'Mergeplane drift report';

/** Whether an issue body is the drift report's: the marker must open the body, not be quoted further down. */
export function isDriftIssueBody(body: string | null | undefined): boolean {
  return body?.startsWith(`${DRIFT_ISSUE_MARKER}\n`) === true || body === DRIFT_ISSUE_MARKER;
}

/** Lines of the report kept in one issue body (GitHub allows 65,536 characters). */
const MAX_ITEMS = 200;

function row(
  item: DriftItem,
  appLink: (app: { namespace: string; name: string }) => string | undefined,
): string {
  const link = item.kind === 'app' ? appLink(item) : undefined;
  const what = link === undefined ? codeSpan(item.label) : `[${codeSpan(item.label)}](${link})`;
  const reasons = item.reasons.map((reason) => escapeInline(reason)).join('; ');
  return `| ${item.kind} | ${what} | ${reasons.replaceAll('|', '\\|')} | ${item.since} |`;
}

/**
 * The drift issue's body: each app or claim that departs from the default branch, with why and since when, and a
 * link to its Argo CD page; or that everything is back in sync. Cluster messages and repository names are escaped.
 */
export function renderDriftIssue(o: {
  items: readonly DriftItem[];
  branch: string;
  sha: string;
  checkedAt: Date;
  appLink: (app: { namespace: string; name: string }) => string | undefined;
}): string {
  const head = `${codeSpan(o.branch)} at ${codeSpan(o.sha.slice(0, 7))}`;
  const lines = [DRIFT_ISSUE_MARKER, ''];
  if (o.items.length === 0) {
    lines.push(`Everything ${head} defines is in sync with the cluster.`);
  } else {
    const apps = o.items.filter((item) => item.kind === 'app').length;
    lines.push(
      `**${apps} app${apps === 1 ? '' : 's'} and ${o.items.length - apps} claim${o.items.length - apps === 1 ? '' : 's'}** depart from what ${head} defines.`,
      '',
      '| | what | why | drifted since |',
      '| --- | --- | --- | --- |',
      ...o.items.slice(0, MAX_ITEMS).map((item) => row(item, o.appLink)),
    );
    if (o.items.length > MAX_ITEMS) lines.push('', `…and ${o.items.length - MAX_ITEMS} more, not listed.`);
  }
  lines.push(
    '',
    `Checked ${o.checkedAt.toISOString()}. Mergeplane edits this issue on every check, closes it when everything is back in sync and reopens it when drift returns. Comment ${codeSpan('/mergeplane drift')} to check now.`,
  );
  return lines.join('\n');
}
