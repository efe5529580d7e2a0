import type { Octokit } from '@octokit/rest';
import { type DriftIssueAction, publishDriftIssue } from '../github/drift-issue.ts';
import type { DriftLiveReader } from '../kube/drift-live-reader.ts';
import { type DriftItem, driftItems } from '../model/drift.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { DriftJobData } from '../queue/drift-queue.ts';
import type { DriftStore } from '../queue/drift-store.ts';
import { renderDriftIssue } from '../report/render-drift-issue.ts';

export interface DriftJobDeps {
  store: DriftStore;
  octokitFor(installationId: number): Promise<Octokit>;
  /** The App's login (`mergeplane[bot]`): only its issue is the report. */
  appLogin(): Promise<string>;
  /** The cluster of the repository's deliveries (its `delivery.kubeContext`, else the worker's). */
  liveFor(kubeContext: string | undefined): DriftLiveReader;
  /** Whether a merge of the repository is still being delivered (its apps may rightly be OutOfSync). */
  deliveryPending(repo: { owner: string; repo: string }): Promise<boolean>;
  /** The Argo CD UI page of an application, when the server knows the UI's URL. */
  appLink(app: { namespace: string; name: string }): string | undefined;
  now?: () => Date;
  log: PlanLogger;
}

export interface DriftJobResult {
  outcome: 'no-definitions' | 'checked';
  items: DriftItem[];
  action?: DriftIssueAction;
  issue?: number;
}

/**
 * One drift check of a repository: reads what its default branch defines (as its last delivery plan recorded it),
 * compares the cluster's Applications and claims with it, and brings the "Mergeplane drift report" issue up to date.
 */
export async function runDriftJob(data: DriftJobData, deps: DriftJobDeps): Promise<DriftJobResult> {
  const repo = { owner: data.owner, repo: data.repo };
  const log = deps.log;
  const recorded = await deps.store.definitions(repo);
  if (recorded === undefined) {
    log.info({ trigger: data.trigger }, 'drift check skipped: no merge of the default branch planned yet');
    return { outcome: 'no-definitions', items: [] };
  }
  const { definitions, kubeContext } = recorded;
  const [live, deliveryPending, since] = await Promise.all([
    deps.liveFor(kubeContext).read(definitions),
    deps.deliveryPending(repo),
    deps.store.since(repo),
  ]);
  const now = deps.now?.() ?? new Date();
  const items = driftItems({
    definitions,
    liveApps: live.apps,
    liveClaims: live.claims,
    unreadable: live.unreadable,
    deliveryPending,
    since,
    now,
  });
  const body = renderDriftIssue({
    items,
    branch: definitions.branch,
    sha: definitions.sha,
    checkedAt: now,
    appLink: deps.appLink,
  });
  const octokit = await deps.octokitFor(data.installationId);
  const published = await publishDriftIssue(octokit, {
    ...repo,
    appLogin: await deps.appLogin(),
    body,
    drifted: items.length > 0,
  });
  await deps.store.saveSince(repo, items);
  log.info(
    {
      trigger: data.trigger,
      sha: definitions.sha,
      apps: definitions.apps.length,
      claims: definitions.claims.length,
      drifted: items.length,
      deliveryPending,
      issue: published.issue,
      action: published.action,
    },
    'drift checked',
  );
  return {
    outcome: 'checked',
    items,
    action: published.action,
    ...(published.issue === undefined ? {} : { issue: published.issue }),
  };
}
