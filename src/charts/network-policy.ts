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
  // Local-use NAT64 (RFC 8215): translated into the operator's own network.
  ['64:ff9b:1::', 48],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (`::` expanded, a trailing dotted IPv4 read). */
function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (group.includes('.')) {
            const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
            return [(a << 8) | b, (c << 8) | d];
          }
          return [Number.parseInt(group, 16)];
        });
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  return words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
}

/**
 * The IPv4 address an IPv6 address carries and routes to: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
 * (`::a.b.c.d`), NAT64 well-known prefix (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/16`).
 */
function embeddedIPv4(bytes: readonly number[]): string | undefined {
  const v4 = (at: number) => bytes.slice(at, at + 4).join('.');
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12);
  if (zeros(0, 12) && !zeros(12, 16)) return v4(12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12))
    return v4(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2);
  return undefined;
}

/** True for an address outside the public internet; IPv6 addresses carrying an IPv4 one are judged by it. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  const embedded = embeddedIPv4(ipv6Bytes(address.replace(/%.*$/, '')));
  if (embedded !== undefined) return NON_PUBLIC.check(embedded, 'ipv4');
  return NON_PUBLIC.check(address, 'ipv6');
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
