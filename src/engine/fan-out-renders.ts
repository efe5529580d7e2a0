import type { Application } from '../gitops/application.ts';
import { isAffected } from '../gitops/is-affected.ts';
import type { IsLocalSource } from '../gitops/local-source.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import type { AppRenderer, PlanSide } from '../plan/app-renderer.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { RenderFarm, RenderRequest } from '../plan/render-farm.ts';
import { frozenStringify } from '../plan/stable-stringify.ts';

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
 * The renders a plan will need (both sides of every changed or affected app, one side of an added or removed
 * one), the same selection `planApp` makes, so the farm warms exactly what the plan then reads.
 */
async function neededRenders(
  base: Side,
  head: Side,
  renderer: AppRenderer,
  changedFiles: readonly string[],
): Promise<RenderRequest[]> {
  const requests: RenderRequest[] = [];
  for (const key of new Set([...base.entries.keys(), ...head.entries.keys()])) {
    const before = base.entries.get(key);
    const after = head.entries.get(key);
    const baseApp = before?.kind === 'app' ? before.app : undefined;
    const headApp = after?.kind === 'app' ? after.app : undefined;
    if (baseApp && headApp) {
      const definitionChanged =
        baseApp.manifest !== headApp.manifest &&
        frozenStringify(baseApp.manifest) !== frozenStringify(headApp.manifest);
      const inputs = [
        await renderer.inputsOf(base.side, baseApp),
        await renderer.inputsOf(head.side, headApp),
      ];
      if (!definitionChanged && !inputs.some((i) => isAffected(i, changedFiles))) continue;
    }
    if (baseApp) requests.push({ label: 'base', sha: base.sha, app: baseApp });
    if (headApp) requests.push({ label: 'head', sha: head.sha, app: headApp });
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
