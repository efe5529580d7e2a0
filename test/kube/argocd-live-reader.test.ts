import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createArgoCdLiveReader } from '../../src/kube/argocd-live-reader.ts';

const TOKEN = 'argocd-read-only-token';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const HERE = 'https://github.com/acme/gitops';
const isThisRepo = (url: string) => url === HERE;

/**
 * A loopback stand-in for Argo CD's API server: each application it holds (its source repository and managed
 * resources), behind a token.
 */
async function fakeArgoCd(
  apps: Record<string, unknown[] | { repoURL: string; items: unknown[] }>,
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (handle?.(req, res)) return;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('{"error":"invalid session"}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://argocd');
    const match = /^\/api\/v1\/applications\/([^/]+)(\/managed-resources)?$/.exec(url.pathname);
    const key = match ? `${url.searchParams.get('appNamespace')}/${decodeURIComponent(match[1]!)}` : '';
    const app = apps[key];
    // Argo CD answers 403 for an application that does not exist, as for one the token may not see.
    if (app === undefined) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"permission denied"}');
      return;
    }
    const { repoURL, items } = Array.isArray(app) ? { repoURL: HERE, items: app } : app;
    if (match?.[2] === undefined) {
      const spec = {
        sources: [
          { repoURL: 'https://charts.example.com', chart: 'x' },
          { repoURL, path: 'apps' },
        ],
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ metadata: { name: key }, spec }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web', namespace: 'shop' },
  data: { a: '1' },
};

describe('Argo CD live reader', () => {
  it('reads the normalized live state of each managed resource, skipping what is not live', async () => {
    const argocd = await fakeArgoCd({
      'argocd/web': [
        {
          kind: 'ConfigMap',
          name: 'web',
          namespace: 'shop',
          liveState: JSON.stringify({ ...configMap, data: { a: 'raw' } }),
          normalizedLiveState: JSON.stringify(configMap),
          targetState: JSON.stringify(configMap),
        },
        { kind: 'Service', name: 'web', namespace: 'shop', liveState: 'null', targetState: '{}' },
      ],
    });
    const reader = createArgoCdLiveReader({ server: `${argocd.url}/`, token: TOKEN });
    expect(await reader.liveObjects({ name: 'web', namespace: 'argocd' }, isThisRepo)).toEqual({
      kind: 'live',
      objects: [configMap],
    });
    expect(argocd.requests).toEqual([
      '/api/v1/applications/web?appNamespace=argocd',
      '/api/v1/applications/web/managed-resources?appNamespace=argocd',
    ]);
  });

  it('names an app Argo CD does not know, and an Argo CD that fails, is slow or is down, without throwing', async () => {
    const argocd = await fakeArgoCd({}, (req, res) => {
      if (req.url?.includes('/applications/broken')) {
        res.writeHead(500).end('boom');
        return true;
      }
      if (req.url?.includes('/applications/slow')) return true; // never answers
      return false;
    });
    const reader = createArgoCdLiveReader({ server: argocd.url, token: TOKEN, timeoutMs: 300 });
    expect(await reader.liveObjects({ name: 'new-app', namespace: 'argocd' }, isThisRepo)).toMatchObject({
      kind: 'unknown-app',
    });
    expect(await reader.liveObjects({ name: 'broken', namespace: 'argocd' }, isThisRepo)).toEqual({
      kind: 'unavailable',
      reason: 'Argo CD answered 500',
    });
    expect(await reader.liveObjects({ name: 'slow', namespace: 'argocd' }, isThisRepo)).toMatchObject({
      kind: 'unavailable',
    });
    const down = createArgoCdLiveReader({ server: 'http://127.0.0.1:9', token: TOKEN, timeoutMs: 1_000 });
    expect(await down.liveObjects({ name: 'web', namespace: 'argocd' }, isThisRepo)).toMatchObject({
      kind: 'unavailable',
    });
  });

  it('reads nothing of an application of that name that deploys from another repository', async () => {
    const argocd = await fakeArgoCd({
      'argocd/payments': {
        repoURL: 'https://github.com/other-team/payments',
        items: [{ kind: 'ConfigMap' }],
      },
    });
    const reader = createArgoCdLiveReader({ server: argocd.url, token: TOKEN });
    expect(await reader.liveObjects({ name: 'payments', namespace: 'argocd' }, isThisRepo)).toEqual({
      kind: 'unknown-app',
      reason: "Argo CD's application argocd/payments deploys from another repository",
    });
    expect(argocd.requests.some((r) => r.includes('managed-resources'))).toBe(false);
  });

  it('refuses an answer larger than its bound', async () => {
    const big = Array.from({ length: 200 }, (_, i) => ({
      kind: 'ConfigMap',
      name: `c${i}`,
      normalizedLiveState: JSON.stringify({ ...configMap, data: { a: 'x'.repeat(1_000) } }),
    }));
    const argocd = await fakeArgoCd({ 'argocd/web': big });
    const reader = createArgoCdLiveReader({ server: argocd.url, token: TOKEN, maxResponseBytes: 10_000 });
    expect(await reader.liveObjects({ name: 'web', namespace: 'argocd' }, isThisRepo)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('larger than 10000 bytes'),
    });
  });
});
