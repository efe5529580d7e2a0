import type { RevisionTree } from '../model/revision-tree.ts';
import type { AppRenderer, PlanSide } from './app-renderer.ts';
import {
  type CollectedApplications,
  type CollectOptions,
  collectApplications,
} from './collect-applications.ts';
import { TreeIndex } from './tree-index.ts';

export interface CollectRevisionOptions
  extends Omit<CollectOptions, 'index' | 'appInputs' | 'renderObjects'> {
  label: PlanSide['label'];
  /** The revision's tree. */
  tree: RevisionTree;
  /** Writes paths of the revision to disk for the render tools (the caller disposes of what it wrote). */
  materialise: PlanSide['materialise'];
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
  const { label, tree, materialise, renderer, ...collect } = options;
  const side: PlanSide = { label, index: new TreeIndex(tree), materialise };
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
