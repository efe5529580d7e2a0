import type { Application } from './application.ts';

function tracksBranch(targetRevision: string | undefined, baseBranch: string | undefined): boolean {
  const revision = (targetRevision ?? '').trim();
  if (revision === '' || revision === 'HEAD') return true;
  if (baseBranch === undefined || baseBranch === '') return false;
  return revision === baseBranch || revision === `refs/heads/${baseBranch}`;
}

/**
 * Whether an Application follows this repository's tracked branch, so a change merged there reaches it:
 * some source points at this repository with an empty, `HEAD` or base-branch targetRevision. Apps pinned
 * to a tag, SHA or another branch are not planned — merging the change does not deploy them.
 */
export function isTrackedApp(
  app: Application,
  options: { isThisRepo: (url: string) => boolean; baseBranch: string | undefined },
): boolean {
  return app.sources.some(
    (source) => options.isThisRepo(source.repoURL) && tracksBranch(source.targetRevision, options.baseBranch),
  );
}
