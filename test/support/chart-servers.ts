import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveTool } from '../../src/render/resolve-tool.ts';

/** A packaged chart, as `helm package` makes it. */
export interface PackagedChart {
  name: string;
  version: string;
  archive: Buffer;
}

/**
 * Packages a small chart with the real helm: a ConfigMap carrying the chart version and a value, and a
 * Deployment whose image tag is the chart's appVersion — so two versions render differently, as real bumps do.
 */
export function packageChart(
  name: string,
  version: string,
  extraTemplates: Record<string, string> = {},
): PackagedChart {
  const work = mkdtempSync(join(tmpdir(), 'mergeplane-chart-'));
  try {
    const dir = join(work, name);
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(
      join(dir, 'Chart.yaml'),
      `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "${version}"\n`,
    );
    writeFileSync(join(dir, 'values.yaml'), 'greeting: hello\nreplicas: 1\n');
    writeFileSync(
      join(dir, 'templates', 'config.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  chart: {{ .Chart.Version | quote }}\n',
    );
    writeFileSync(
      join(dir, 'templates', 'deployment.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels:\n      app: {{ .Release.Name }}\n  template:\n    metadata:\n      labels:\n        app: {{ .Release.Name }}\n    spec:\n      containers:\n        - name: app\n          image: "registry.example/{{ .Chart.Name }}:{{ .Chart.AppVersion }}"\n',
    );
    for (const [file, text] of Object.entries(extraTemplates))
      writeFileSync(join(dir, 'templates', file), text);
    const out = join(work, 'out');
    mkdirSync(out);
    execFileSync(resolveTool('helm'), ['package', '--destination', out, '--', dir], { stdio: 'pipe' });
    return { name, version, archive: readFileSync(join(out, `${name}-${version}.tgz`)) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface LoopbackServer {
  url: string;
  /** host:port, as OCI references and MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES write it. */
  host: string;
  /** Every request path served, in order. */
  requests: string[];
  /** The Authorization header of each request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, base: string) => void,
): Promise<LoopbackServer> {
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    authorizations.push(req.headers.authorization);
    handler(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    host: `127.0.0.1:${port}`,
    requests,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * A Helm chart repository as `helm repo index` lays it out: `index.yaml` (apiVersion v1, entries by chart name,
 * each version with relative `urls` and a sha256 `digest`) and the packaged charts under `charts/`.
 * With `auth`, every request needs HTTP basic auth, as a private ChartMuseum or Artifactory repository does.
 */
export async function startHelmRepository(
  charts: readonly PackagedChart[],
  options: { auth?: { username: string; password: string }; tamper?: boolean } = {},
): Promise<LoopbackServer> {
  const entries: Record<string, unknown[]> = {};
  for (const chart of charts) {
    const versions = entries[chart.name] ?? [];
    entries[chart.name] = versions;
    versions.push({
      apiVersion: 'v2',
      name: chart.name,
      version: chart.version,
      appVersion: chart.version,
      urls: [`charts/${chart.name}-${chart.version}.tgz`],
      digest: sha256(chart.archive),
      created: '2026-01-01T00:00:00Z',
    });
  }
  const index = stringify({ apiVersion: 'v1', entries, generated: '2026-01-01T00:00:00Z' });
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    : undefined;
  return listen((req, res) => {
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
      return;
    }
    if (req.url === '/index.yaml') {
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(index);
      return;
    }
    const chart = charts.find((c) => req.url === `/charts/${c.name}-${c.version}.tgz`);
    if (!chart) {
      res.writeHead(404).end();
      return;
    }
    const body = options.tamper ? Buffer.concat([chart.archive, Buffer.from('x')]) : chart.archive;
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
  });
}

const CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const CHART_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * An OCI registry holding Helm charts as `helm push` stores them (OCI distribution spec v2 API; helm's media
 * types): `/v2/NAME/manifests/TAG`, `/v2/NAME/blobs/DIGEST`, `/v2/NAME/tags/list` under `charts/NAME`.
 * Every /v2 request needs a Bearer token got from the realm the `WWW-Authenticate` challenge names, as
 * Docker Hub, GHCR and Harbor do even for anonymous pulls.
 */
export async function startOciRegistry(charts: readonly PackagedChart[]): Promise<LoopbackServer> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, string>();
  for (const chart of charts) {
    const config = Buffer.from(
      JSON.stringify({ name: chart.name, version: chart.version, apiVersion: 'v2' }),
    );
    const configDigest = `sha256:${sha256(config)}`;
    const layerDigest = `sha256:${sha256(chart.archive)}`;
    blobs.set(configDigest, config);
    blobs.set(layerDigest, chart.archive);
    manifests.set(
      `charts/${chart.name}:${chart.version.replace(/\+/g, '_')}`,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: { mediaType: CHART_CONFIG, digest: configDigest, size: config.length },
        layers: [{ mediaType: CHART_LAYER, digest: layerDigest, size: chart.archive.length }],
      }),
    );
  }
  const token = 'loopback-registry-token';
  return listen((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
    if (req.headers.authorization !== `Bearer ${token}`) {
      const scope = match ? `repository:${match[1]}:pull` : '';
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="${base}/token",service="loopback-registry",scope="${scope}"`,
        })
        .end();
      return;
    }
    if (!match) {
      res.writeHead(url.pathname === '/v2/' ? 200 : 404).end('{}');
      return;
    }
    const [, name, kind, ref] = match;
    if (kind === 'manifests') {
      const manifest = manifests.get(`${name}:${ref}`);
      if (manifest) res.writeHead(200, { 'content-type': MANIFEST }).end(manifest);
      else res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    if (kind === 'blobs') {
      const blob = blobs.get(ref!);
      if (blob) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(blob);
      else res.writeHead(404).end();
      return;
    }
    const tags = [...manifests.keys()]
      .filter((k) => k.startsWith(`${name}:`))
      .map((k) => k.slice(name!.length + 1));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, tags }));
  });
}

/** The environment a plan needs to reach loopback chart servers (the relaxations a server operator would set). */
export function loopbackChartEnv(
  cacheDir: string,
  registries: readonly LoopbackServer[] = [],
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MERGEPLANE_CHART_CACHE_DIR: cacheDir,
    MERGEPLANE_CHART_ALLOW_HTTP: 'true',
    MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS: 'true',
    MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES: registries.map((r) => r.host).join(','),
  };
}
