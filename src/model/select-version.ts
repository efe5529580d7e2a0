import semver from 'semver';

/**
 * The version of a chart Argo CD would pick for `targetRevision`: the exact version when one is published
 * under that name; otherwise the highest version satisfying it as a semver constraint (`1.2.*`, `^4.10`,
 * `>=1.0.0 <2.0.0`); an empty revision or `*` takes the highest release. Pre-releases only when asked for.
 */
export function selectVersion(available: readonly string[], wanted: string | undefined): string | undefined {
  const revision = (wanted ?? '').trim();
  if (revision !== '' && available.includes(revision)) return revision;
  const range = revision === '' ? '*' : revision;
  if (semver.validRange(range) === null) return undefined;
  const candidates = available.filter((v) => semver.valid(v, { loose: true }) !== null);
  return semver.maxSatisfying(candidates, range, { loose: true }) ?? undefined;
}

/** A revision naming one version exactly: its chart can be served from the cache without asking the repository. */
export function isExactVersion(revision: string | undefined): revision is string {
  return revision !== undefined && semver.valid(revision.trim()) !== null;
}
