/** A chart could not be fetched: the repository or registry is unreachable, refuses, or has no such chart/version. */
export class ChartFetchError extends Error {
  override readonly name: string = 'ChartFetchError';
}

/** The network policy refuses the address: plain http, or a loopback, link-local or private address. */
export class BlockedAddressError extends ChartFetchError {
  override readonly name: string = 'BlockedAddressError';
}
