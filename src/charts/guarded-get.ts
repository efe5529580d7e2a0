import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { ChartFetchError } from '../render/chart-port.ts';
import { checkAddress, checkUrl, type NetworkPolicy } from './network-policy.ts';

export interface GuardedGetOptions {
  policy: NetworkPolicy;
  headers?: Record<string, string>;
  /** Sent only to `url`'s own host; dropped when a redirect leaves it (as helm without --pass-credentials). */
  authorization?: string;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

/** The address every connection uses is the one checked: no second resolution an attacker's DNS could change. */
function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      try {
        for (const a of addresses) checkAddress(a.address, hostname, policy);
      } catch (blocked) {
        callback(blocked as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function getOnce(
  url: URL,
  o: GuardedGetOptions,
  authorization: string | undefined,
): Promise<GuardedResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          'user-agent': 'mergeplane',
          ...o.headers,
          ...(authorization !== undefined ? { authorization } : {}),
        },
        lookup: guardedLookup(o.policy),
        timeout: o.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) {
            reject(new ChartFetchError(`${url.origin}${url.pathname}: more than ${o.maxBytes} bytes`));
            res.destroy();
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: url.href,
          }),
        );
        // A destroyed or broken response after the limit was hit rejects an already-settled promise: harmless.
        res.on('error', reject);
      },
    );
    // An idle socket, or a server that trickles bytes: either way the whole answer has `timeoutMs`.
    const tooSlow = () =>
      req.destroy(new ChartFetchError(`${url.origin}${url.pathname}: no answer within ${o.timeoutMs} ms`));
    req.on('timeout', tooSlow);
    const overall = setTimeout(tooSlow, o.timeoutMs);
    req.on('close', () => clearTimeout(overall));
    req.on('error', (error) => {
      if (error instanceof ChartFetchError) reject(error);
      else reject(new ChartFetchError(`${url.origin}${url.pathname}: ${error.message}`, { cause: error }));
    });
    req.end();
  });
}

/**
 * GET with the SSRF guard: the scheme and every address connected to (each redirect hop included) are checked
 * against the policy, the body is bounded, and credentials never follow a redirect to another host.
 */
export async function guardedGet(url: string, o: GuardedGetOptions): Promise<GuardedResponse> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new ChartFetchError(`${JSON.stringify(url)} is not a URL`);
  }
  // Same scheme and host: credentials never go to another host, nor over http to the same one.
  const origin = current.origin;
  const redirects = o.maxRedirects ?? 5;
  const deadline = Date.now() + o.timeoutMs;
  for (let hop = 0; ; hop++) {
    checkUrl(current, o.policy);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new ChartFetchError(`${url}: no answer within ${o.timeoutMs} ms`);
    const response = await getOnce(
      current,
      { ...o, timeoutMs: remaining },
      current.origin === origin ? o.authorization : undefined,
    );
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response;
    if (hop >= redirects) throw new ChartFetchError(`${url}: more than ${redirects} redirects`);
    current = new URL(location, current);
  }
}
