import type { Application } from '../gitops/application.ts';
import type { IsLocalSource } from '../gitops/local-source.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import type { AppRenderer, PlanSide } from '../plan/app-renderer.ts';
import { slotRenders } from '../plan/plan-app.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { RenderFarm, RenderRequest } from '../plan/render-farm.ts';

interface Side {
  side: PlanSide;
  sha: string;
  entries: Map<string, AppEntry>;
}

/** Only apps whose every source is this repository at a tracked revision: their renders are keyed by content alone. */
function isFarmable(app: Application, isLocal: IsLocalSource): boolean {
  return (
    app.sources.length > 0 && app.sources.every((source) => source.path !== undefined && isLocal(source))
  );
}

/**
 * The renders a plan will need, the selection `planApp` makes (both sides of a touched app, the one side of an
 * added or removed one, none for an app that failed at head), so the farm warms exactly what the plan then reads.
 */
async function neededRenders(
  base: Side,
  head: Side,
  renderer: AppRenderer,
  changedFiles: readonly string[],
): Promise<RenderRequest[]> {
  const requests: RenderRequest[] = [];
  for (const key of new Set([...base.entries.keys(), ...head.entries.keys()])) {
    const renders = await slotRenders({
      base: base.side,
      head: head.side,
      baseEntry: base.entries.get(key),
      headEntry: head.entries.get(key),
      renderer,
      changedFiles,
    });
    if (renders.base) requests.push({ label: 'base', sha: base.sha, app: renders.base });
    if (renders.head) requests.push({ label: 'head', sha: head.sha, app: renders.head });
  }
  return requests;
}

/**
 * Hands a large change's renders to the farm before the plan renders: with many affected apps (a shared base
 * that 2,000 overlays read) every worker takes a share, and the plan finds them in the shared render cache.
 * Returns how many renders were farmed out.
 */
export async function fanOutRenders(o: {
  farm: RenderFarm | undefined;
  base: Side;
  head: Side;
  renderer: AppRenderer;
  changedFiles: readonly string[];
  isLocal: IsLocalSource;
  baseBranch: string | undefined;
  logger: PlanLogger;
}): Promise<number> {
  if (!o.farm) return 0;
  const requests = (await neededRenders(o.base, o.head, o.renderer, o.changedFiles)).filter((r) =>
    isFarmable(r.app, o.isLocal),
  );
  if (requests.length < o.farm.threshold) return 0;
  const plan = { baseSha: o.base.sha, ...(o.baseBranch === undefined ? {} : { baseBranch: o.baseBranch }) };
  try {
    await o.farm.renderAll(requests, plan);
  } catch (error) {
    // The farm only warms the shared cache: without it (Redis down, say) the plan renders everything itself.
    o.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'render farm unavailable',
    );
    return 0;
  }
  o.logger.info({ renders: requests.length }, 'renders farmed out');
  return requests.length;
}
