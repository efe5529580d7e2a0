import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChartFetcher } from '../render/chart-port.ts';
import { type ChartCredential, ChartCredentialsError, parseChartCredentials } from './chart-credentials.ts';
import { createChartFetcher } from './chart-fetcher.ts';
import type { RemoteAccess } from './helm-repository.ts';
import { DEFAULT_NETWORK_POLICY, type NetworkPolicy } from './network-policy.ts';

/** Helm's own ceiling for a chart archive (helm 3.17+ `--max-chart-size`). */
const MAX_CHART_BYTES = 20 * 1024 * 1024;
/** Public repositories' index.yaml run to tens of MB (bitnami's was ~30 MB before it was trimmed). */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** A boolean variable: unset or empty is `fallback`; anything but true/false/1/0/yes/no is refused. */
function flag(env: NodeJS.ProcessEnv, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim() ?? '';
  if (raw === '') return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ChartCredentialsError(`${JSON.stringify(raw)} is not true or false`, variable);
}

/** The server's (never the repository's) network policy for chart fetches. */
export function networkPolicyFromEnv(env: NodeJS.ProcessEnv): NetworkPolicy {
  const plainHttpRegistries = (env.MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (const host of plainHttpRegistries) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
      throw new ChartCredentialsError(
        `${JSON.stringify(host)} is not host[:port]`,
        'MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES',
      );
    }
  }
  return {
    allowHttp: flag(env, 'MERGEPLANE_CHART_ALLOW_HTTP', DEFAULT_NETWORK_POLICY.allowHttp),
    allowPrivateAddresses: flag(
      env,
      'MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS',
      DEFAULT_NETWORK_POLICY.allowPrivateAddresses,
    ),
    plainHttpRegistries,
  };
}

/** Credentials of private chart repositories: the file MERGEPLANE_CHART_CREDENTIALS_PATH names (read once per plan). */
export function chartCredentialsFromEnv(env: NodeJS.ProcessEnv): ChartCredential[] {
  const file = env.MERGEPLANE_CHART_CREDENTIALS_PATH;
  if (file === undefined || file === '') return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ChartCredentialsError(`${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseChartCredentials(text, file);
}

/** The chart cache: MERGEPLANE_CHART_CACHE_DIR, else `charts` beside the render cache. */
export function chartCacheDir(env: NodeJS.ProcessEnv, renderCacheDir: string): string {
  return env.MERGEPLANE_CHART_CACHE_DIR || join(dirname(renderCacheDir), 'charts');
}

const fetchers = new Map<string, ChartFetcher>();

/**
 * The chart fetcher for a cache directory and settings: one per process and setting, so concurrent plans of a
 * worker share in-flight downloads as well as the disk cache.
 */
export function chartFetcherFor(dir: string, access: RemoteAccess): ChartFetcher {
  const key = JSON.stringify([dir, access]);
  let fetcher = fetchers.get(key);
  if (!fetcher) {
    fetcher = createChartFetcher({ dir, access });
    fetchers.set(key, fetcher);
  }
  return fetcher;
}

export function remoteAccessFromEnv(env: NodeJS.ProcessEnv, timeoutMs: number): RemoteAccess {
  return {
    policy: networkPolicyFromEnv(env),
    credentials: chartCredentialsFromEnv(env),
    timeoutMs,
    maxChartBytes: MAX_CHART_BYTES,
    maxIndexBytes: MAX_INDEX_BYTES,
  };
}
