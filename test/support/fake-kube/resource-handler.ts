import type { ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { FakeKubeApiError, invalid } from './fake-kube-api-error.ts';
import type { FakeKubeStore, ObjectRef, PatchType } from './fake-kube-store.ts';
import { isRecord, type KubeRecord, metadataOf } from './json-values.ts';
import type { ParsedResourcePath } from './resource-path.ts';
import { parseSelector } from './selectors.ts';
import { startWatchStream, type WatchStream } from './watch-stream.ts';

export type ResourceResult =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'watch'; stream: WatchStream };

export interface ResourceRequest {
  store: FakeKubeStore;
  path: ParsedResourcePath;
  method: string;
  query: URLSearchParams;
  body: string;
  contentType: string | undefined;
  /** Field manager when the request names none (the real server uses the user agent). */
  defaultManager: string;
  /** BOOKMARK interval for watches that allow bookmarks; undefined sends none. */
  bookmarkIntervalMs?: number;
  response: ServerResponse;
}

const patchTypes: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

/** One request on a resource path, mapped onto the store. */
export function handleResourceRequest(request: ResourceRequest): ResourceResult {
  const { store, path, method, query } = request;
  const { type, namespace, name, subresource } = path;
  const ref = (itemName: string): ObjectRef => ({
    apiVersion: type.apiVersion,
    kind: type.kind,
    ...(namespace !== undefined ? { namespace } : {}),
    name: itemName,
  });
  const fieldManager = query.get('fieldManager') ?? request.defaultManager;
  const json = (status: number, body: unknown): ResourceResult => ({ kind: 'json', status, body });

  if (name === undefined) {
    const selector = parseSelector(query.get('labelSelector'), query.get('fieldSelector'));
    switch (method) {
      case 'GET': {
        const watch = query.get('watch');
        if (watch === 'true' || watch === '1') {
          const timeout = query.get('timeoutSeconds');
          const stream = startWatchStream({
            store,
            type,
            namespace,
            selector,
            resourceVersion: query.get('resourceVersion') ?? undefined,
            timeoutSeconds: timeout === null ? undefined : Number(timeout),
            ...(query.get('allowWatchBookmarks') === 'true' && request.bookmarkIntervalMs !== undefined
              ? { bookmarkIntervalMs: request.bookmarkIntervalMs }
              : {}),
            response: request.response,
          });
          return { kind: 'watch', stream };
        }
        const resourceVersion = store.resourceVersion;
        const all = store.snapshot(type, namespace, selector);
        const offset = decodeContinue(query.get('continue'));
        const limit = Number(query.get('limit') ?? 0);
        const items = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
        const next = offset + items.length;
        const more = limit > 0 && next < all.length;
        return json(200, {
          apiVersion: type.apiVersion,
          kind: `${type.kind}List`,
          metadata: {
            resourceVersion,
            ...(more
              ? {
                  continue: Buffer.from(String(next)).toString('base64url'),
                  remainingItemCount: all.length - next,
                }
              : {}),
          },
          items,
        });
      }
      case 'POST': {
        const body = objectBody(request);
        checkIdentity(request, body, undefined);
        return json(201, store.create(body, { fieldManager }));
      }
      case 'DELETE': {
        const items = store.snapshot(type, namespace, selector).map((o) => {
          const objectNamespace = metadataOf(o).namespace;
          const target = {
            ...ref(nameOf(o)),
            ...(typeof objectNamespace === 'string' ? { namespace: objectNamespace } : {}),
          };
          return store.delete(target).object;
        });
        return json(200, { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: {}, items });
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  const options = { fieldManager, ...(subresource === 'status' ? { subresource: 'status' as const } : {}) };
  switch (method) {
    case 'GET':
      return json(200, store.read(ref(name)));
    case 'PUT': {
      const body = objectBody(request);
      checkIdentity(request, body, name);
      return json(200, store.update(body, options));
    }
    case 'PATCH': {
      const mediaType = (request.contentType ?? '').split(';')[0]!.trim();
      const patchType = patchTypes[mediaType];
      if (!patchType) {
        throw new FakeKubeApiError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(', ')}`,
        );
      }
      const body = parseBody(request.body, patchType === 'apply');
      const force = query.get('force');
      if (force !== null && patchType !== 'apply') {
        throw new FakeKubeApiError('BadRequest', 'force must be unset for non-apply patch requests');
      }
      const existed = store.get(ref(name)) !== undefined;
      const result = store.patch(ref(name), body, {
        ...options,
        type: patchType,
        force: force === 'true',
        fieldManager: query.get('fieldManager') ?? (patchType === 'apply' ? undefined : fieldManager),
      });
      return json(existed ? 200 : 201, result);
    }
    case 'DELETE': {
      if (subresource) throw methodNotAllowed(method);
      const options = request.body.trim() === '' ? {} : parseBody(request.body, false);
      const preconditions = isRecord(options) && isRecord(options.preconditions) ? options.preconditions : {};
      const result = store.delete(ref(name), {
        preconditions: {
          ...(typeof preconditions.uid === 'string' ? { uid: preconditions.uid } : {}),
          ...(typeof preconditions.resourceVersion === 'string'
            ? { resourceVersion: preconditions.resourceVersion }
            : {}),
        },
      });
      if (!result.deleted) return json(202, result.object);
      // Custom resources answer with the deleted object; core types with a Status.
      if (type.group !== '') return json(200, result.object);
      return json(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, kind: type.plural, uid: metadataOf(result.object).uid },
      });
    }
    default:
      throw methodNotAllowed(method);
  }
}

/** The identity checks of POST and PUT: apiVersion, kind and name must match the URL (a missing name on PUT too). */
function checkIdentity(request: ResourceRequest, body: KubeRecord, urlName: string | undefined): void {
  const { type, namespace } = request.path;
  const metadata = metadataOf(body);
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  // Typed clients (CoreV1Api) leave apiVersion/kind out; the server defaults them from the URL.
  body.apiVersion ??= type.apiVersion;
  body.kind ??= type.kind;
  if (body.apiVersion !== type.apiVersion) {
    throw invalid(
      type.kind,
      name,
      'apiVersion',
      `Invalid value: ${JSON.stringify(body.apiVersion)}: must be ${type.apiVersion}`,
    );
  }
  if (body.kind !== type.kind) {
    throw invalid(
      type.kind,
      name,
      'kind',
      `Invalid value: ${JSON.stringify(body.kind)}: must be ${type.kind}`,
    );
  }
  if (urlName !== undefined && name !== urlName) {
    throw invalid(
      type.kind,
      urlName,
      'metadata.name',
      `Invalid value: ${JSON.stringify(name)}: must match the name in the URL`,
    );
  }
  if (namespace !== undefined) {
    if (
      typeof metadata.namespace === 'string' &&
      metadata.namespace !== '' &&
      metadata.namespace !== namespace
    ) {
      throw new FakeKubeApiError(
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = namespace;
  }
}

function objectBody(request: ResourceRequest): KubeRecord {
  const body = parseBody(request.body, (request.contentType ?? '').includes('yaml'));
  if (!isRecord(body)) throw new FakeKubeApiError('BadRequest', 'the request body must be an object');
  return body;
}

function parseBody(text: string, yaml: boolean): unknown {
  if (text.trim() === '') throw new FakeKubeApiError('BadRequest', 'the request body is empty');
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new FakeKubeApiError('BadRequest', `the request body could not be decoded: ${message}`);
  }
}

function decodeContinue(token: string | null): number {
  if (!token) return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new FakeKubeApiError('BadRequest', 'invalid continue token');
  return offset;
}

function nameOf(object: KubeRecord): string {
  return String(metadataOf(object).name);
}

function methodNotAllowed(method: string): FakeKubeApiError {
  return new FakeKubeApiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}
