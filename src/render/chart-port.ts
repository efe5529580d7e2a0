/**
 * The render's port for charts kept in Helm repositories and OCI registries: what it asks for, what it gets,
 * and how a fetch fails. Implemented by charts/ (the network adapter); render never fetches by itself.
 */

export interface ChartRequest {
  repoURL: string;
  chart: string;
  /** The Application's targetRevision: an exact version or a semver constraint. */
  version: string | undefined;
}

export interface FetchedChart {
  /** The version the revision resolved to. */
  version: string;
  /** The packaged chart (.tgz). */
  archive: Buffer;
}

/** Fetches packaged charts from Helm repositories and OCI registries; Mergeplane's own port, helm never fetches. */
export interface ChartFetcher {
  fetch(request: ChartRequest): Promise<FetchedChart>;
}

/** A chart could not be fetched: the repository or registry is unreachable, refuses, or has no such chart/version. */
export class ChartFetchError extends Error {
  override readonly name: string = 'ChartFetchError';
}

/** The network policy refuses the address: plain http, or a loopback, link-local or private address. */
export class BlockedAddressError extends ChartFetchError {
  override readonly name: string = 'BlockedAddressError';
}
