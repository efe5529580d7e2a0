import { createHash } from 'node:crypto';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';
import { selectVersion } from '../model/select-version.ts';
import type { ChartRequest } from '../render/chart-port.ts';
import { ChartFetchError } from '../render/chart-port.ts';
import { basicAuthorization, type ChartCredential, credentialFor } from './chart-credentials.ts';
import { type GuardedGetOptions, guardedGet } from './guarded-get.ts';
import type { NetworkPolicy } from './network-policy.ts';

export interface RemoteAccess {
  policy: NetworkPolicy;
  credentials: readonly ChartCredential[];
  timeoutMs: number;
  /** Largest chart archive accepted. */
  maxChartBytes: number;
  /** Largest repository index (index.yaml) or registry document accepted. */
  maxIndexBytes: number;
}

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

function entriesOf(index: unknown, chart: string, where: string): IndexEntry[] {
  const entries = isRecord(index) && isRecord(index.entries) ? index.entries[chart] : undefined;
  if (!Array.isArray(entries)) throw new ChartFetchError(`${where}: the repository has no chart ${chart}`);
  return entries.flatMap((e) =>
    isRecord(e) && typeof e.version === 'string' && Array.isArray(e.urls)
      ? [
          {
            version: e.version,
            urls: e.urls.filter((u): u is string => typeof u === 'string'),
            ...(typeof e.digest === 'string' ? { digest: e.digest } : {}),
          },
        ]
      : [],
  );
}

function get(url: string, access: RemoteAccess, maxBytes: number, authorization: string | undefined) {
  const options: GuardedGetOptions = { policy: access.policy, maxBytes, timeoutMs: access.timeoutMs };
  if (authorization !== undefined) options.authorization = authorization;
  return guardedGet(url, options);
}

/** Resolves the version a Helm repository (index.yaml) offers for the request. */
export async function resolveRepositoryVersion(
  request: ChartRequest,
  access: RemoteAccess,
): Promise<{ version: string; url: string; digest?: string }> {
  const base = request.repoURL.replace(/\/+$/, '');
  const where = `${base}/index.yaml`;
  const authorization = basicAuthorization(credentialFor(base, access.credentials));
  const response = await get(where, access, access.maxIndexBytes, authorization);
  if (response.status !== 200) throw new ChartFetchError(`${where}: HTTP ${response.status}`);
  let index: unknown;
  try {
    index = parseYamlValue(response.body.toString('utf8'));
  } catch (error) {
    throw new ChartFetchError(`${where}: not a Helm repository index: ${(error as Error).message}`);
  }
  const entries = entriesOf(index, request.chart, where);
  const version = selectVersion(
    entries.map((e) => e.version),
    request.version,
  );
  const entry = entries.find((e) => e.version === version);
  if (version === undefined || !entry || entry.urls.length === 0) {
    throw new ChartFetchError(
      `${where}: chart ${request.chart} has no version matching ${JSON.stringify(request.version ?? '*')}`,
    );
  }
  // As helm: a relative chart URL is relative to the repository URL.
  const url = new URL(entry.urls[0]!, `${base}/`).href;
  return { version, url, ...(entry.digest !== undefined ? { digest: entry.digest } : {}) };
}

/** Downloads a packaged chart the index named, checking its digest when the index gives one. */
export async function downloadRepositoryChart(
  request: ChartRequest,
  resolved: { url: string; digest?: string },
  access: RemoteAccess,
): Promise<Buffer> {
  const base = request.repoURL.replace(/\/+$/, '');
  // Credentials go only to the repository's own host (helm's default without --pass-credentials).
  const sameHost = new URL(resolved.url).origin === new URL(`${base}/`).origin;
  const authorization = sameHost ? basicAuthorization(credentialFor(base, access.credentials)) : undefined;
  const response = await get(resolved.url, access, access.maxChartBytes, authorization);
  if (response.status !== 200) throw new ChartFetchError(`${resolved.url}: HTTP ${response.status}`);
  if (resolved.digest !== undefined) {
    const actual = createHash('sha256').update(response.body).digest('hex');
    if (actual !== resolved.digest.replace(/^sha256:/, '')) {
      throw new ChartFetchError(
        `${resolved.url}: digest ${actual} does not match the index (${resolved.digest})`,
      );
    }
  }
  return response.body;
}
