import type { Octokit } from '@octokit/rest';
import { isHeadOf, type PullRequestHead } from '../github/pull-request-head.ts';
import { diffStickyMarker } from '../github/sticky-markers.ts';
import { upsertPlanComment } from '../github/upsert-plan-comment.ts';
import type { AppReport, PlanReport } from '../model/plan-report.ts';
import type { DiffRequest, PlanJobData } from '../queue/plan-job.ts';
import { codeSpan } from '../report/escape-markdown.ts';
import { DEFAULT_MAX_PARTS } from '../report/fit-comment.ts';
import { renderAppDiffMarkdown } from '../report/render-app-diff-markdown.ts';
import { type PlanPullRequestDeps, planPullRequest } from './plan-pull-request.ts';

export interface RunDiffJobDeps extends PlanPullRequestDeps {
  octokit: Octokit;
  /** The pull request as GitHub reports it now; a diff of a head that is no longer current is not posted. */
  currentHead: (data: PlanJobData) => Promise<PullRequestHead>;
  appUserLogin?: string;
}

export interface RunDiffJobResult {
  /** `published`: the diff comment; `replied`: the app was not found (or is ambiguous, or unaffected). */
  outcome: 'published' | 'superseded' | 'replied';
  commentUrls?: string[];
}

// A reply lists at most this many affected apps: enough to spot a typo, bounded for a huge repository.
const MAX_LISTED_APPS = 50;

function qualified(app: AppReport): string {
  return `${app.namespace}/${app.name}`;
}

function listApps(apps: readonly AppReport[]): string {
  if (apps.length === 0) return 'No application is affected by this pull request.';
  const shown = apps.slice(0, MAX_LISTED_APPS).map((app) => codeSpan(qualified(app)));
  const more = apps.length > MAX_LISTED_APPS ? `, and ${apps.length - MAX_LISTED_APPS} more` : '';
  return `Affected applications: ${shown.join(', ')}${more}.`;
}

export type DiffTarget =
  | { kind: 'found'; app: AppReport }
  | { kind: 'reply'; body: string; reason: 'not-found' | 'ambiguous' | 'unchanged' };

/** The one application `/mergeplane diff NAME` means, matched exactly (`name`, or `namespace/name`). */
export function findDiffTarget(report: PlanReport, requested: string): DiffTarget {
  const matches = report.apps.filter((app) =>
    requested.includes('/') ? qualified(app) === requested : app.name === requested,
  );
  const affected = report.apps
    .filter((app) => app.status !== 'unchanged')
    .sort((a, b) => (qualified(a) < qualified(b) ? -1 : qualified(a) > qualified(b) ? 1 : 0));
  const name = codeSpan(requested);
  if (matches.length === 0) {
    return {
      kind: 'reply',
      reason: 'not-found',
      body: `No application named ${name}. ${listApps(affected)}`,
    };
  }
  if (matches.length > 1) {
    const options = matches.map((app) => codeSpan(qualified(app))).join(', ');
    return {
      kind: 'reply',
      reason: 'ambiguous',
      body: `${name} names ${matches.length} applications; ask for one as \`namespace/name\`: ${options}.`,
    };
  }
  const [app] = matches as [AppReport];
  if (app.status === 'unchanged') {
    return {
      kind: 'reply',
      reason: 'unchanged',
      body: `${name} is not changed by this pull request. ${listApps(affected)}`,
    };
  }
  return { kind: 'found', app };
}

/**
 * `/mergeplane diff APP`: plans the head (the render cache makes a repeat cheap), then posts the app's
 * complete diff as its own sticky comment per (pull request, application), split into parts at GitHub's
 * limit; an unknown, ambiguous or unchanged app gets a reply listing the affected apps instead.
 */
export async function runDiffJob(
  data: PlanJobData,
  request: DiffRequest,
  deps: RunDiffJobDeps,
): Promise<RunDiffJobResult> {
  const { octokit, logger } = deps;
  const { owner, repo, pullNumber, headSha } = data;
  const meta = { owner, repo, pullNumber, headSha, deliveryId: data.deliveryId, app: request.app };
  const { report, config } = await planPullRequest(data, deps);
  if (!isHeadOf(await deps.currentHead(data), headSha)) {
    logger.info(meta, 'diff superseded');
    return { outcome: 'superseded' };
  }
  const target = findDiffTarget(report, request.app);
  if (target.kind === 'reply') {
    await octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body: target.body });
    logger.info({ ...meta, reason: target.reason }, 'diff app not found');
    return { outcome: 'replied' };
  }
  const comment = await upsertPlanComment({
    octokit,
    owner,
    repo,
    issueNumber: pullNumber,
    markdown: renderAppDiffMarkdown(report, target.app),
    marker: diffStickyMarker(pullNumber, qualified(target.app)),
    // The base branch's budget holds here too: one huge app must not become hundreds of comments.
    maxParts: config?.comment.maxParts ?? DEFAULT_MAX_PARTS,
    ...(deps.appUserLogin === undefined ? {} : { appUserLogin: deps.appUserLogin }),
  });
  logger.info({ ...meta, parts: comment.urls.length }, 'diff published');
  return { outcome: 'published', commentUrls: comment.urls };
}
