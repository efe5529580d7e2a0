import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import type { CommitTrees } from '../git/git-objects.ts';
import type { PlanSide } from '../plan/app-renderer.ts';
import {
  type CollectedRevision,
  type CollectRevisionOptions,
  collectRevision,
} from '../plan/collect-revision.ts';
import { headFileFindings } from './head-file-findings.ts';
import type { PlanCharts } from './remote-charts.ts';
import { openPlanSide, type TreeCheckout } from './tree-checkout.ts';

type CollectedSide = { side: PlanSide } & CollectedRevision['collected'];

/**
 * Both revisions' Applications, collected concurrently (they are independent until pairing). The base's apps
 * tell the chart fetcher which repositories the base already uses; the head's problems with changed files
 * become findings. Every checkout made is pushed to `checkouts`, for the caller to dispose of.
 */
export async function collectSides(
  o: {
    commitTrees: CommitTrees;
    revision: Omit<CollectRevisionOptions, 'side'> & { config: MergeplaneConfig };
    planCharts: PlanCharts;
    changedFiles: readonly string[];
    failures: GateFinding[];
    checkouts: TreeCheckout[];
  },
  baseSha: string,
  headSha: string,
): Promise<[CollectedSide, CollectedSide]> {
  const collectSide = async (label: PlanSide['label'], sha: string): Promise<CollectedSide> => {
    const opened = openPlanSide(label, await o.commitTrees.tree(sha));
    o.checkouts.push(opened.checkout);
    const { side, collected } = await collectRevision({ ...o.revision, side: opened.side });
    if (label === 'head') o.failures.push(...headFileFindings(collected, o.changedFiles, o.revision.config));
    if (label === 'base')
      o.planCharts.baseCollected({ entries: [...collected.entries.values()], index: side.index });
    return { side, ...collected };
  };
  // allSettled: a failure on one side must not leave the other's files behind undisposed.
  const settled = await Promise.allSettled([
    collectSide('base', baseSha).catch((error: unknown) => {
      o.planCharts.baseCollected(undefined);
      throw error;
    }),
    collectSide('head', headSha),
  ]);
  const [base, head] = settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return [base!, head!];
}
