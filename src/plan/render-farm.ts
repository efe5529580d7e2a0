import type { Application } from '../gitops/application.ts';

/** One render a plan asks of other workers: an app at one of the plan's two revisions. */
export interface RenderRequest {
  label: 'base' | 'head';
  /** The revision's commit. */
  sha: string;
  app: Application;
}

/** The plan the requests belong to, as the workers rendering them must reproduce it. */
export interface FarmedPlan {
  /** Its base commit (the config is read there). */
  baseSha: string;
  /** The branch its Applications track, as it resolved it (none: only the default branch's HEAD counts). */
  baseBranch?: string;
}

/**
 * Renders spread over every worker (the App: BullMQ jobs on a queue all plan workers take). A farm only warms
 * the render cache the workers share: the plan then renders as always and finds each farmed render there, so a
 * render a farm lost, or could not do, is simply done by the plan itself.
 */
export interface RenderFarm {
  /** Fewer renders than this are done by the plan itself (a queue round trip would cost more than it saves). */
  readonly threshold: number;
  /** Resolves when every request was rendered into the shared cache, failed, or the farm gave up waiting. */
  renderAll(requests: readonly RenderRequest[], plan: FarmedPlan): Promise<void>;
}
