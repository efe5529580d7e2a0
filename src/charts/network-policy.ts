import { BlockList, isIP } from 'node:net';
import { BlockedAddressError } from '../render/chart-port.ts';

/**
 * Where chart fetches may go. The defaults are the safe ones (https only, public addresses only); each
 * relaxation is the server's decision (environment), never the repository's.
 */
export interface NetworkPolicy {
  /** Allow plain `http://` repositories (MERGEPLANE_CHART_ALLOW_HTTP). */
  allowHttp: boolean;
  /** Allow loopback, link-local, private and other non-public addresses (MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateAddresses: boolean;
  /** OCI registries (`host[:port]`) spoken to over plain http, as helm's `--plain-http` (needs allowHttp). */
  plainHttpRegistries: readonly string[];
}

export const DEFAULT_NETWORK_POLICY: NetworkPolicy = {
  allowHttp: false,
  allowPrivateAddresses: false,
  plainHttpRegistries: [],
};

// Not publicly routable: what a request from inside the cluster must never reach on a repository's say-so
// (cloud metadata at 169.254.169.254, the API server, in-cluster services, the worker itself).
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** True for an address outside the public internet; IPv4-mapped IPv6 addresses are judged as IPv4. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses an address the policy does not allow; called for every address a fetch connects to. */
export function checkAddress(address: string, host: string, policy: NetworkPolicy): void {
  if (policy.allowPrivateAddresses || !isNonPublicAddress(address)) return;
  throw new BlockedAddressError(
    `${host} resolves to ${address}, a loopback, link-local or private address; chart fetches only go to public addresses (the server's MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS relaxes this)`,
  );
}

/** Refuses a URL the policy does not allow before any connection: scheme, credentials in it, literal addresses. */
export function checkUrl(url: URL, policy: NetworkPolicy): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new BlockedAddressError(
      `${url.protocol}//${url.host}: only https is allowed for chart repositories (the server's MERGEPLANE_CHART_ALLOW_HTTP relaxes this)`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new BlockedAddressError(
      `${url.protocol}//${url.host}: credentials in a repository URL are refused; configure them on the server`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) checkAddress(host, host, policy);
}
