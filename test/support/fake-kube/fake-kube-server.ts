import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify as toYaml } from 'yaml';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { FakeKubeStore } from './fake-kube-store.ts';
import type { KubeRecord } from './json-values.ts';
import { handleResourceRequest } from './resource-handler.ts';
import { type ParsedResourcePath, parseResourcePath } from './resource-path.ts';
import type { FakeKubeResourceType } from './resource-types.ts';
import type { WatchStream } from './watch-stream.ts';

export { FakeKubeStore } from './fake-kube-store.ts';
export type { FakeKubeResourceType } from './resource-types.ts';

/** What the `forbid` hook sees: the RBAC attributes of the request. */
export interface FakeKubeAccessRequest {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface FakeKubeOptions {
  /** Extra CRD-like types besides the built-ins (v1 Namespace, Secret, ConfigMap; argoproj.io/v1alpha1 Application, ApplicationSet). */
  types?: FakeKubeResourceType[];
  /** Return true to answer 403 Forbidden for this request (RBAC simulation). */
  forbid?: (req: FakeKubeAccessRequest) => boolean;
  /** Namespaces that exist at start. Default ['default', 'argocd']. */
  namespaces?: string[];
  /** Bearer token the server requires (401 otherwise). Default 'fake-kube-token'. */
  token?: string;
  /**
   * Serve HTTPS with this key and certificate; with `clientCa`, a client certificate that CA signed also
   * authenticates (as the real API server's x509 authenticator does), besides the bearer token.
   */
  tls?: { key: string; cert: string; clientCa?: string };
  /** Events kept for watches resuming from an old resourceVersion (410 Gone beyond). Default 10000. */
  watchHistoryLimit?: number;
  /**
   * Send BOOKMARK events this often on watches with `allowWatchBookmarks=true` (default: never).
   * client-node's Watch aborts a stream silent for 30 s; bookmarks keep long tests' watches alive.
   */
  watchBookmarkIntervalMs?: number;
}

export interface FakeKubeRequestRecord {
  method: string;
  /** URL path without the query. */
  path: string;
  /** The query string without `?`. */
  query: string;
  contentType?: string;
  /** HTTP status answered (set when the response starts). */
  status?: number;
}

export interface FakeKube {
  /** http://127.0.0.1:PORT */
  url: string;
  /** A client-node KubeConfig pointing at this server (context "fake", insecure-skip-tls-verify, token user). */
  kubeConfig(): KubeConfig;
  /** The same as kubeconfig file text. */
  kubeconfigYaml(): string;
  /** Direct in-process access for tests and controllers (same semantics and watch events as HTTP). */
  store: FakeKubeStore;
  requests: FakeKubeRequestRecord[];
  close(): Promise<void>;
}

/**
 * A faithful-enough Kubernetes API server on loopback (plain HTTP) for @kubernetes/client-node used
 * unchanged: discovery, CRUD, merge/JSON/server-side-apply patches, the status subresource, watches,
 * selectors, finalizers and the real Status error bodies.
 */
export async function startFakeKubeServer(options: FakeKubeOptions = {}): Promise<FakeKube> {
  const token = options.token ?? 'fake-kube-token';
  const store = new FakeKubeStore({
    types: options.types,
    namespaces: options.namespaces,
    watchHistoryLimit: options.watchHistoryLimit,
  });
  const requests: FakeKubeRequestRecord[] = [];
  const watches = new Set<WatchStream>();
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: FakeKubeRequestRecord = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: parsed.search.slice(1),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    };
    requests.push(record);
    res.on('close', () => {
      record.status = res.statusCode;
    });
    const body = await readBody(req);
    try {
      const socket = req.socket as TLSSocket;
      const certified = options.tls?.clientCa !== undefined && socket.authorized === true;
      if (!certified && req.headers.authorization !== `Bearer ${token}`) {
        throw new FakeKubeApiError('Unauthorized', 'Unauthorized');
      }
      const answer = route(parsed, record.method);
      if (answer !== undefined) {
        sendJson(res, 200, answer);
        return;
      }
      const path = parseResourcePath(parsed.pathname, store);
      if (!path) throw new FakeKubeApiError('NotFound', 'the server could not find the requested resource');
      checkAccess(path, parsed, record.method);
      const result = handleResourceRequest({
        store,
        path,
        method: record.method,
        query: parsed.searchParams,
        body,
        contentType: req.headers['content-type'],
        defaultManager: (req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown',
        bookmarkIntervalMs: options.watchBookmarkIntervalMs,
        response: res,
      });
      if (result.kind === 'watch') {
        watches.add(result.stream);
        void result.stream.ended.then(() => watches.delete(result.stream));
        return;
      }
      sendJson(res, result.status, result.body);
    } catch (error) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof FakeKubeApiError) sendJson(res, error.code, error.toStatus());
      else {
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, 500, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'InternalError',
          message,
          code: 500,
        });
      }
    }
  };

  const route = (parsed: URL, method: string): KubeRecord | undefined => {
    if (method !== 'GET') return undefined;
    const segments = parsed.pathname.split('/').filter((s) => s !== '');
    if (parsed.pathname === '/version') return versionInfo();
    if (segments.length === 1 && segments[0] === 'api') return apiVersions(new URL(url).host);
    if (segments.length === 2 && segments[0] === 'api' && segments[1] === 'v1') {
      return apiResourceList(
        store.types.all().filter((t) => t.group === '' && t.version === 'v1'),
        'v1',
      );
    }
    if (segments[0] !== 'apis' || segments.length > 3) return undefined;
    if (segments.length === 1) return apiGroupList(store.types);
    const group = segments[1]!;
    const versions = store.types.groupVersions(group);
    if (versions.length === 0 || group === '') {
      throw new FakeKubeApiError('NotFound', 'the server could not find the requested resource');
    }
    if (segments.length === 2) return apiGroup(store.types, group);
    const version = segments[2]!;
    if (!versions.includes(version))
      throw new FakeKubeApiError('NotFound', 'the server could not find the requested resource');
    return apiResourceList(
      store.types.all().filter((t) => t.group === group && t.version === version),
      `${group}/${version}`,
    );
  };

  const checkAccess = (path: ParsedResourcePath, parsed: URL, method: string): void => {
    if (!options.forbid) return;
    const watch = parsed.searchParams.get('watch');
    const verb = verbOf(method, path.name !== undefined, watch === 'true' || watch === '1');
    const request: FakeKubeAccessRequest = {
      verb,
      group: path.type.group,
      resource: path.type.plural,
      ...(path.subresource ? { subresource: path.subresource } : {}),
      ...(path.namespace !== undefined ? { namespace: path.namespace } : {}),
      ...(path.name !== undefined ? { name: path.name } : {}),
    };
    if (!options.forbid(request)) return;
    const resource = path.subresource ? `${path.type.plural}/${path.subresource}` : path.type.plural;
    const subject =
      path.name !== undefined ? `${path.type.qualifiedName} "${path.name}"` : path.type.qualifiedName;
    const scope =
      path.namespace !== undefined ? `in the namespace "${path.namespace}"` : 'at the cluster scope';
    throw new FakeKubeApiError(
      'Forbidden',
      `${subject} is forbidden: User "system:serviceaccount:mergeplane:mergeplane" cannot ${verb} resource "${resource}" in API group "${path.type.group}" ${scope}`,
      {
        ...(path.name !== undefined ? { name: path.name } : {}),
        group: path.type.group,
        kind: path.type.plural,
      },
    );
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { kind: 'Status', status: 'Failure', code: 500 });
      else res.end();
    });
  };
  const { tls } = options;
  const server =
    tls === undefined
      ? createServer(listener)
      : createHttpsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ...(tls.clientCa === undefined
              ? {}
              : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }),
          },
          listener,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  const kubeconfigObject = (): KubeRecord => ({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
    'current-context': 'fake',
  });

  return {
    url,
    store,
    requests,
    kubeConfig() {
      const config = new KubeConfig();
      config.loadFromString(toYaml(kubeconfigObject()));
      return config;
    },
    kubeconfigYaml() {
      return toYaml(kubeconfigObject());
    },
    close() {
      closing ??= (async () => {
        for (const watch of watches) watch.close();
        await Promise.all([...watches].map((w) => w.ended));
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

function verbOf(method: string, item: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : item ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return item ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
