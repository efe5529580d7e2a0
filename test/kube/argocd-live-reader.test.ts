import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createArgoCdLiveReader } from '../../src/kube/argocd-live-reader.ts';

const TOKEN = 'argocd-read-only-token';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback stand-in for Argo CD's API server: managed-resources of the applications it holds, behind a token. */
async function fakeArgoCd(
  apps: Record<string, unknown[]>,
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
    const match = /^\/api\/v1\/applications\/([^/]+)\/managed-resources$/.exec(url.pathname);
    const key = match ? `${url.searchParams.get('appNamespace')}/${decodeURIComponent(match[1]!)}` : '';
    const items = apps[key];
    // Argo CD answers 403 for an application that does not exist, as for one the token may not see.
    if (items === undefined) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"permission denied"}');
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
    expect(await reader.liveObjects({ name: 'web', namespace: 'argocd' })).toEqual({
      kind: 'live',
      objects: [configMap],
    });
    expect(argocd.requests).toEqual(['/api/v1/applications/web/managed-resources?appNamespace=argocd']);
  });

  it('names an app Argo CD does not know, and an Argo CD that fails, is slow or is down, without throwing', async () => {
    const argocd = await fakeArgoCd({}, (req, res) => {
      if (req.url?.includes('/broken/')) {
        res.writeHead(500).end('boom');
        return true;
      }
      if (req.url?.includes('/slow/')) return true; // never answers
      return false;
    });
    const reader = createArgoCdLiveReader({ server: argocd.url, token: TOKEN, timeoutMs: 300 });
    expect(await reader.liveObjects({ name: 'new-app', namespace: 'argocd' })).toMatchObject({
      kind: 'unknown-app',
    });
    expect(await reader.liveObjects({ name: 'broken', namespace: 'argocd' })).toEqual({
      kind: 'unavailable',
      reason: 'Argo CD answered 500',
    });
    expect(await reader.liveObjects({ name: 'slow', namespace: 'argocd' })).toMatchObject({
      kind: 'unavailable',
    });
    const down = createArgoCdLiveReader({ server: 'http://127.0.0.1:9', token: TOKEN, timeoutMs: 1_000 });
    expect(await down.liveObjects({ name: 'web', namespace: 'argocd' })).toMatchObject({
      kind: 'unavailable',
    });
  });

  it('refuses an answer larger than its bound', async () => {
    const big = Array.from({ length: 200 }, (_, i) => ({
      kind: 'ConfigMap',
      name: `c${i}`,
      normalizedLiveState: JSON.stringify({ ...configMap, data: { a: 'x'.repeat(1_000) } }),
    }));
    const argocd = await fakeArgoCd({ 'argocd/web': big });
    const reader = createArgoCdLiveReader({ server: argocd.url, token: TOKEN, maxResponseBytes: 10_000 });
    expect(await reader.liveObjects({ name: 'web', namespace: 'argocd' })).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('larger than 10000 bytes'),
    });
  });
});
