import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedGet } from '../../src/charts/guarded-get.ts';
import { DEFAULT_NETWORK_POLICY, isNonPublicAddress } from '../../src/charts/network-policy.ts';
import { BlockedAddressError, ChartFetchError } from '../../src/render/chart-port.ts';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback server answering with `handler`; counts the requests that reached it. */
async function serve(
  handler: (path: string) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const answer = handler(req.url ?? '');
    res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return { port: (server.address() as AddressInfo).port, seen };
}

const relaxed = { allowHttp: true, allowPrivateAddresses: true, plainHttpRegistries: [] };
const limits = { maxBytes: 1024, timeoutMs: 5000 };

describe('the chart fetch SSRF guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true], // cloud metadata
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['::a9fe:a9fe', true], // IPv4-compatible 169.254.169.254
    ['64:ff9b::7f00:1', true], // NAT64 of 127.0.0.1
    ['64:ff9b::808:808', false], // NAT64 of 8.8.8.8: a public host on a DNS64 network
    ['64:ff9b:1::1', true], // local-use NAT64
    ['2002:a00:1::1', true], // 6to4 of 10.0.0.1
    ['2002:808:808::1', false],
    ['8.8.8.8', false],
    ['140.82.112.3', false],
    ['2606:4700::1111', false],
  ])('%s is non-public: %s', (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });

  it('refuses plain http by default, before connecting', async () => {
    const { port, seen } = await serve(() => ({ status: 200 }));
    const policy = { ...DEFAULT_NETWORK_POLICY, allowPrivateAddresses: true };
    await expect(guardedGet(`http://127.0.0.1:${port}/index.yaml`, { policy, ...limits })).rejects.toThrow(
      /only https is allowed/,
    );
    expect(seen).toHaveLength(0);
  });

  it('refuses a loopback address, literal or resolved from a name, before connecting', async () => {
    const { port, seen } = await serve(() => ({ status: 200 }));
    const policy = { ...DEFAULT_NETWORK_POLICY, allowHttp: true };
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      await expect(
        guardedGet(`http://${host}:${port}/index.yaml`, { policy, ...limits }),
      ).rejects.toBeInstanceOf(BlockedAddressError);
    }
    expect(seen).toHaveLength(0);
  });

  it('refuses credentials written into the URL', async () => {
    await expect(
      guardedGet('https://user:secret@charts.example.com/', { policy: relaxed, ...limits }),
    ).rejects.toThrow(/credentials in a repository URL are refused/);
  });

  it('checks every redirect: a hop to another scheme is refused', async () => {
    const { port } = await serve(() => ({ status: 302, headers: { location: 'file:///etc/passwd' } }));
    await expect(guardedGet(`http://127.0.0.1:${port}/`, { policy: relaxed, ...limits })).rejects.toThrow(
      /only https is allowed/,
    );
  });

  it('follows a redirect to another host without the credentials', async () => {
    const target = await serve(() => ({ status: 200, body: 'chart' }));
    const origin = await serve(() => ({
      status: 307,
      headers: { location: `http://localhost:${target.port}/blob` },
    }));
    const response = await guardedGet(`http://127.0.0.1:${origin.port}/chart.tgz`, {
      policy: relaxed,
      ...limits,
      authorization: 'Basic c2VjcmV0',
    });
    expect(response.body.toString()).toBe('chart');
    expect(origin.seen[0]!.authorization).toBe('Basic c2VjcmV0');
    expect(target.seen[0]!.authorization).toBeUndefined();
  });

  it('stops after five redirects', async () => {
    const { port, seen } = await serve((path) => ({ status: 302, headers: { location: `${path}x` } }));
    await expect(guardedGet(`http://127.0.0.1:${port}/`, { policy: relaxed, ...limits })).rejects.toThrow(
      /more than 5 redirects/,
    );
    expect(seen).toHaveLength(6);
  });

  it('stops reading a body over the limit', async () => {
    const { port } = await serve(() => ({ status: 200, body: 'x'.repeat(4096) }));
    await expect(
      guardedGet(`http://127.0.0.1:${port}/`, { policy: relaxed, ...limits }),
    ).rejects.toBeInstanceOf(ChartFetchError);
  });
});
