import type { Application, ApplicationSource } from './application.ts';

/** Whether a source is read from the checkout being planned (this repository, at the tracked branch). */
export type IsLocalSource = (source: Pick<ApplicationSource, 'repoURL' | 'targetRevision'>) => boolean;

function tracksBranch(targetRevision: string | undefined, baseBranch: string | undefined): boolean {
  const revision = (targetRevision ?? '').trim();
  if (revision === '' || revision === 'HEAD') return true;
  if (baseBranch === undefined || baseBranch === '') return false;
  return revision === baseBranch || revision === `refs/heads/${baseBranch}`;
}

/**
 * A source is local when it points at this repository with an empty, `HEAD` or base-branch targetRevision:
 * a change merged there reaches it, so it is rendered from the checkout. Anything else (a tag, a SHA, another
 * branch, another repository) is read from where it lives.
 */
export function localSourceMatcher(options: {
  isThisRepo: (url: string) => boolean;
  baseBranch: string | undefined;
}): IsLocalSource {
  return (source) =>
    options.isThisRepo(source.repoURL) && tracksBranch(source.targetRevision, options.baseBranch);
}

/** Whether some source of the app is local: then files of the change can alter its render. */
export function hasLocalSource(app: Application, isLocal: IsLocalSource): boolean {
  return app.sources.some((source) => isLocal(source));
}
