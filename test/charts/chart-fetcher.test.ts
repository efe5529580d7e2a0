import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartFetcher } from '../../src/charts/chart-fetcher.ts';
import type { RemoteAccess } from '../../src/charts/helm-repository.ts';
import { chartRepoKey } from '../../src/plan/chart-repositories.ts';
import { BlockedAddressError, ChartFetchError } from '../../src/render/chart-port.ts';
import {
  type LoopbackServer,
  type PackagedChart,
  packageChart,
  startHelmRepository,
  startOciRegistry,
} from '../support/chart-servers.ts';

let v100: PackagedChart;
let v110: PackagedChart;
let v200: PackagedChart;
const dirs: string[] = [];
const cacheDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-chart-cache-'));
  dirs.push(dir);
  return dir;
};
const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(() => {
  v100 = packageChart('podinfo', '1.0.0');
  v110 = packageChart('podinfo', '1.1.0');
  v200 = packageChart('podinfo', '2.0.0');
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function access(
  registries: LoopbackServer[] = [],
  credentials: RemoteAccess['credentials'] = [],
): RemoteAccess {
  return {
    policy: {
      allowHttp: true,
      allowPrivateAddresses: true,
      plainHttpRegistries: registries.map((r) => r.host),
    },
    credentials,
    timeoutMs: 10_000,
    maxChartBytes: 1024 * 1024,
    maxIndexBytes: 1024 * 1024,
  };
}

describe('charts from a Helm repository', () => {
  let repo: LoopbackServer;
  beforeAll(async () => {
    repo = await startHelmRepository([v100, v110, v200]);
  });
  afterAll(() => repo.close());

  it('fetches the exact version, then serves it from the cache shared by every fetcher on that directory', async () => {
    const dir = cacheDir();
    const first = await createChartFetcher({ dir, access: access() }).fetch({
      repoURL: repo.url,
      chart: 'podinfo',
      version: '1.0.0',
    });
    expect(first.version).toBe('1.0.0');
    expect(digest(first.archive)).toBe(digest(v100.archive));
    const served = repo.requests.length;
    // A second fetcher (another plan, another worker process on the same volume) asks nothing.
    const again = await createChartFetcher({ dir, access: access() }).fetch({
      repoURL: `${repo.url}/`,
      chart: 'podinfo',
      version: '1.0.0',
    });
    expect(digest(again.archive)).toBe(digest(v100.archive));
    expect(repo.requests.length).toBe(served);
  });

  it('downloads concurrent requests for one chart once', async () => {
    const fetcher = createChartFetcher({ dir: cacheDir(), access: access() });
    const before = repo.requests.filter((r) => r.endsWith('.tgz')).length;
    await Promise.all(
      [1, 2, 3].map(() => fetcher.fetch({ repoURL: repo.url, chart: 'podinfo', version: '1.1.0' })),
    );
    expect(repo.requests.filter((r) => r.endsWith('.tgz')).length - before).toBe(1);
  });

  it.each([
    ['^1.0.0', '1.1.0'],
    ['1.0.*', '1.0.0'],
    ['>=1.0.0 <2.0.0', '1.1.0'],
    ['*', '2.0.0'],
    ['', '2.0.0'],
  ])('resolves the constraint %j to %s as Argo CD does', async (constraint, expected) => {
    const fetched = await createChartFetcher({ dir: cacheDir(), access: access() }).fetch({
      repoURL: repo.url,
      chart: 'podinfo',
      version: constraint,
    });
    expect(fetched.version).toBe(expected);
  });

  it('names a chart or version the repository does not have', async () => {
    const fetcher = createChartFetcher({ dir: cacheDir(), access: access() });
    await expect(fetcher.fetch({ repoURL: repo.url, chart: 'nope', version: '1.0.0' })).rejects.toThrow(
      /has no chart nope/,
    );
    await expect(fetcher.fetch({ repoURL: repo.url, chart: 'podinfo', version: '9.9.9' })).rejects.toThrow(
      /no version matching "9.9.9"/,
    );
  });

  it('refuses an archive whose digest is not the index one', async () => {
    const tampered = await startHelmRepository([v100], { tamper: true });
    try {
      await expect(
        createChartFetcher({ dir: cacheDir(), access: access() }).fetch({
          repoURL: tampered.url,
          chart: 'podinfo',
          version: '1.0.0',
        }),
      ).rejects.toThrow(/does not match the index/);
    } finally {
      await tampered.close();
    }
  });

  it("uses the server's credentials for a private repository, and fails without them", async () => {
    const auth = { username: 'robot', password: 's3cret' };
    const secured = await startHelmRepository([v100], { auth });
    try {
      const request = { repoURL: secured.url, chart: 'podinfo', version: '1.0.0' };
      await expect(createChartFetcher({ dir: cacheDir(), access: access() }).fetch(request)).rejects.toThrow(
        /HTTP 401/,
      );
      const fetched = await createChartFetcher({
        dir: cacheDir(),
        access: access([], [{ url: secured.url, ...auth }]),
      }).fetch(request);
      expect(digest(fetched.archive)).toBe(digest(v100.archive));
    } finally {
      await secured.close();
    }
  });

  it('names an unreachable repository', async () => {
    const closed = await startHelmRepository([]);
    await closed.close();
    await expect(
      createChartFetcher({ dir: cacheDir(), access: access() }).fetch({
        repoURL: closed.url,
        chart: 'podinfo',
        version: '1.0.0',
      }),
    ).rejects.toBeInstanceOf(ChartFetchError);
  });
});

describe('charts from an OCI registry', () => {
  let registry: LoopbackServer;
  beforeAll(async () => {
    registry = await startOciRegistry([v100, v110]);
  });
  afterAll(() => registry.close());

  it('pulls a chart through the Bearer token challenge, in both repoURL spellings Argo CD accepts', async () => {
    for (const repoURL of [`oci://${registry.host}/charts`, `${registry.host}/charts`]) {
      const fetched = await createChartFetcher({ dir: cacheDir(), access: access([registry]) }).fetch({
        repoURL,
        chart: 'podinfo',
        version: '1.1.0',
      });
      expect(fetched.version).toBe('1.1.0');
      expect(digest(fetched.archive)).toBe(digest(v110.archive));
    }
    expect(registry.requests).toContain(
      '/token?service=loopback-registry&scope=repository%3Acharts%2Fpodinfo%3Apull',
    );
  });

  it('resolves a constraint from the tag list', async () => {
    const fetched = await createChartFetcher({ dir: cacheDir(), access: access([registry]) }).fetch({
      repoURL: `oci://${registry.host}/charts`,
      chart: 'podinfo',
      version: '~1.0.0',
    });
    expect(fetched.version).toBe('1.0.0');
  });

  it('names a version the registry does not have', async () => {
    await expect(
      createChartFetcher({ dir: cacheDir(), access: access([registry]) }).fetch({
        repoURL: `oci://${registry.host}/charts`,
        chart: 'podinfo',
        version: '3.0.0',
      }),
    ).rejects.toThrow(/no such chart version/);
  });
});

describe('chart repository URLs that say one host and mean another', () => {
  it.each([
    ['https://evil.example?@charts.example.com', 'https://charts.example.com'],
    ['https://evil.example#@charts.example.com', 'https://charts.example.com'],
    ['https://evil.example\\@charts.example.com', 'https://charts.example.com'],
    ['oci://evil.example?@registry.example.com/charts', 'oci://registry.example.com/charts'],
  ])('%s is not the base repository %s, and is never fetched', async (crafted, known) => {
    expect(chartRepoKey(crafted)).not.toBe(chartRepoKey(known));
    await expect(
      createChartFetcher({ dir: cacheDir(), access: access() }).fetch({
        repoURL: crafted,
        chart: 'podinfo',
        version: '1.0.0',
      }),
    ).rejects.toBeInstanceOf(BlockedAddressError);
  });
});
