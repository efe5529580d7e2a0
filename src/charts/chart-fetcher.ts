import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { isExactVersion } from '../model/select-version.ts';
import {
  BlockedAddressError,
  ChartFetchError,
  type ChartFetcher,
  type ChartRequest,
  type FetchedChart,
} from '../render/chart-port.ts';
import { downloadRepositoryChart, type RemoteAccess, resolveRepositoryVersion } from './helm-repository.ts';
import { OciChartClient } from './oci-registry.ts';

/** `oci://…` or Argo CD's scheme-less `registry/path` are OCI; `http(s)://` is a Helm repository (index.yaml). */
export function isOciRepository(repoURL: string): boolean {
  return repoURL.startsWith('oci://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(repoURL);
}

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/**
 * A chart repository URL names a host and a path, nothing else: user-info, a query, a fragment or a backslash
 * would let the text say one host to a reader (and to the base-revision check) and mean another to the fetch.
 */
function checkRepositoryUrl(repoURL: string): void {
  if (/[?#\\\s]/.test(repoURL) || /^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i.test(repoURL)) {
    throw new BlockedAddressError(
      `${JSON.stringify(repoURL)} is not a plain chart repository URL (no credentials, query, fragment or backslash)`,
    );
  }
}

/**
 * A chart cache on disk keyed by repository, chart and version, shared by every plan and worker process that
 * points at the same directory: an exact version is fetched once (helm's own cache semantics: a published
 * version is immutable); a constraint asks the repository which version it means, then uses the cache.
 * Concurrent fetches of one chart in a process share one download; across processes the write is atomic.
 */
export function createChartFetcher(options: { dir: string; access: RemoteAccess }): ChartFetcher {
  const inFlight = new Map<string, Promise<FetchedChart>>();
  const pathOf = (request: ChartRequest, version: string) => {
    const repo = request.repoURL.replace(/^oci:\/\//, '').replace(/\/+$/, '');
    const key = createHash('sha256').update(`${repo}\0${request.chart}`).digest('hex').slice(0, 32);
    return { dir: join(options.dir, key), file: join(options.dir, key, `${version}.tgz`) };
  };
  const cached = async (request: ChartRequest, version: string): Promise<Buffer | undefined> =>
    readFile(pathOf(request, version).file).catch(() => undefined);
  const store = async (request: ChartRequest, version: string, archive: Buffer) => {
    const { dir, file } = pathOf(request, version);
    await mkdir(dir, { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, archive);
    await rename(temp, file).catch(async (error) => {
      await rm(temp, { force: true });
      throw error;
    });
  };

  const fetchUncached = async (request: ChartRequest): Promise<FetchedChart> => {
    checkRepositoryUrl(request.repoURL);
    const exact = isExactVersion(request.version) ? request.version.trim() : undefined;
    if (exact !== undefined) {
      // `v1.2.3` is stored as the `1.2.3` the repository resolves it to.
      for (const version of new Set([exact, semver.clean(exact) ?? exact])) {
        const hit = VERSION.test(version) ? await cached(request, version) : undefined;
        if (hit) return { version, archive: hit };
      }
    }
    let version: string;
    let download: () => Promise<Buffer>;
    if (isOciRepository(request.repoURL)) {
      const client = new OciChartClient(request, options.access);
      version = exact ?? (await client.resolveVersion());
      download = () => client.download(version);
    } else {
      const resolved = await resolveRepositoryVersion(request, options.access);
      version = resolved.version;
      download = () => downloadRepositoryChart(request, resolved, options.access);
    }
    if (!VERSION.test(version))
      throw new ChartFetchError(`${request.repoURL}: invalid chart version ${JSON.stringify(version)}`);
    const hit = await cached(request, version);
    if (hit) return { version, archive: hit };
    const archive = await download();
    await store(request, version, archive);
    return { version, archive };
  };

  return {
    fetch(request) {
      const key = `${request.repoURL}\0${request.chart}\0${request.version ?? ''}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = fetchUncached(request);
        inFlight.set(key, pending);
        // Only concurrent callers share a promise: a later plan asks again (a constraint may resolve anew).
        void pending.then(
          () => inFlight.delete(key),
          () => inFlight.delete(key),
        );
      }
      return pending;
    },
  };
}
