import type { AppRenderer, PlanSide } from './app-renderer.ts';
import {
  type CollectedApplications,
  type CollectOptions,
  collectApplications,
} from './collect-applications.ts';

export interface CollectRevisionOptions
  extends Omit<CollectOptions, 'index' | 'appInputs' | 'renderObjects'> {
  /** The revision (the caller disposes of what its `materialise` wrote). */
  side: PlanSide;
  renderer: AppRenderer;
}

export interface CollectedRevision {
  side: PlanSide;
  collected: CollectedApplications;
}

/**
 * One revision's Applications. Parents are rendered through the plan's own renderer, so the renders made to
 * find child Applications are the ones reused when the apps are diffed.
 */
export async function collectRevision(options: CollectRevisionOptions): Promise<CollectedRevision> {
  const { side, renderer, ...collect } = options;
  const collected = await collectApplications({
    ...collect,
    index: side.index,
    appInputs: (app) => renderer.inputsOf(side, app),
    renderObjects: async (app) => {
      const attempt = await renderer.render(side, app);
      return attempt.ok ? attempt.render.objects : undefined;
    },
  });
  return { side, collected };
}
