import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1APIResource,
} from '@kubernetes/client-node';
import { isRecord } from '../model/kube-object.ts';
import { classifyKubeError, isNotFound, KubePermanentError, KubeTransientError } from './kube-errors.ts';

/** Names one object: namespace only for namespaced kinds. */
export interface KubeRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** An object as the API server returned it, as plain JSON. */
export type KubeRecord = Record<string, unknown>;

export interface KubeObjectClient {
  readonly kubeConfig: KubeConfig;
  /** Discovery: plural and scope of a kind; KubePermanentError when the API server does not serve it (no CRD). */
  resolve(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }>;
  /** The object, or undefined on 404. */
  get(ref: KubeRef): Promise<KubeRecord | undefined>;
  /** The object (or undefined) with a resourceVersion to start a watch from, even when it does not exist. */
  getForWatch(ref: KubeRef): Promise<{ object: KubeRecord | undefined; resourceVersion: string }>;
  /** JSON merge patch; a `metadata.resourceVersion` in the patch makes it conditional (409 when stale). */
  mergePatch(ref: KubeRef, patch: KubeRecord): Promise<KubeRecord>;
  /** Server-side apply with force, as our field manager. */
  apply(object: KubeRecord): Promise<KubeRecord>;
  /** True when deleted, false when it did not exist. */
  delete(ref: KubeRef): Promise<boolean>;
  /** The collection URL path a watch of this object uses. */
  collectionPath(ref: KubeRef): Promise<string>;
  /** Runs a request with retries of transient failures, classifying what it finally throws. */
  request<T>(action: string, run: () => Promise<T>): Promise<T>;
}

export interface KubeObjectClientOptions {
  kubeConfig: KubeConfig;
  fieldManager: string;
  /** Attempts for 5xx/429/network failures before giving up with KubeTransientError. */
  attempts?: number;
  /** First retry delay; doubles per attempt. */
  retryDelayMs?: number;
}

/** KubernetesObjectApi with its (cached) discovery exposed, to learn plural and scope of a kind. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

export function describeRef(ref: KubeRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function refOfObject(object: KubeRecord): KubeRef {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const { apiVersion, kind } = object;
  const { name, namespace } = metadata;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string' || name === '') {
    throw new KubePermanentError('the object to apply has no apiVersion, kind or metadata.name');
  }
  return typeof namespace === 'string' && namespace !== ''
    ? { apiVersion, kind, name, namespace }
    : { apiVersion, kind, name };
}

function plain(value: unknown): KubeRecord {
  // client-node deserializes metadata into classes with Date fields; plain JSON matches what watches deliver.
  const parsed: unknown = JSON.parse(JSON.stringify(value));
  if (!isRecord(parsed)) throw new KubeTransientError('the API server returned a non-object response');
  return parsed;
}

function header(ref: KubeRef): KubernetesObject & { metadata: { name: string; namespace?: string } } {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs an API request, retrying transient failures (not 409: the caller re-reads and decides) with backoff. */
function retrying(attempts: number, retryDelayMs: number) {
  return async function request<T>(action: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        const classified = classifyKubeError(error, action);
        const retry =
          classified instanceof KubeTransientError && classified.status !== 409 && attempt < attempts;
        if (!retry) throw classified;
        await sleep(Math.min(retryDelayMs * 2 ** (attempt - 1), 2_000));
      }
    }
  };
}

/** API discovery: a kind's plural and scope, a ref made cluster- or namespace-scoped, a collection's path. */
function createResolver(
  api: DiscoveringObjectApi,
  request: <T>(action: string, run: () => Promise<T>) => Promise<T>,
) {
  async function resolve(apiVersion: string, kind: string) {
    const resource = await request(`discover ${apiVersion} ${kind}`, async () => {
      try {
        return await api.discover(apiVersion, kind);
      } catch (error) {
        // The group/version itself is not served: the CRD is not installed.
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    if (!resource) {
      throw new KubePermanentError(
        `the API server does not serve ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`,
        { status: 404 },
      );
    }
    return { plural: resource.name, namespaced: resource.namespaced };
  }

  /** Discovery first, so a 404 from the request itself always means "no such object". */
  async function scoped(ref: KubeRef): Promise<KubeRef> {
    const { namespaced } = await resolve(ref.apiVersion, ref.kind);
    if (namespaced && !ref.namespace) {
      throw new KubePermanentError(
        `${describeRef(ref)}: ${ref.kind} is namespaced but no namespace was given`,
      );
    }
    return namespaced ? ref : { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  }

  async function collectionPath(ref: KubeRef): Promise<string> {
    const target = await scoped(ref);
    const { plural } = await resolve(ref.apiVersion, ref.kind);
    const root = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    return target.namespace
      ? `${root}/namespaces/${encodeURIComponent(target.namespace)}/${plural}`
      : `${root}/${plural}`;
  }

  return { resolve, scoped, collectionPath };
}

export function createKubeObjectClient(options: KubeObjectClientOptions): KubeObjectClient {
  const { kubeConfig, fieldManager } = options;
  const attempts = options.attempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const api = kubeConfig.makeApiClient(DiscoveringObjectApi);

  const request = retrying(attempts, retryDelayMs);
  const { resolve, scoped, collectionPath } = createResolver(api, request);

  return {
    kubeConfig,
    resolve,
    request,
    collectionPath,
    async get(ref) {
      const target = await scoped(ref);
      return request(`read ${describeRef(ref)}`, async () => {
        try {
          return plain(await api.read(header(target)));
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      });
    },
    async getForWatch(ref) {
      const target = await scoped(ref);
      const list = await request(`list ${describeRef(ref)}`, () =>
        api.list(
          target.apiVersion,
          target.kind,
          target.namespace,
          undefined,
          undefined,
          undefined,
          `metadata.name=${target.name}`,
        ),
      );
      const listed = plain(list);
      const metadata = isRecord(listed.metadata) ? listed.metadata : {};
      const items = Array.isArray(listed.items) ? listed.items.filter(isRecord) : [];
      const object = items.find((item) => isRecord(item.metadata) && item.metadata.name === target.name);
      return {
        object,
        resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
      };
    },
    async mergePatch(ref, patch) {
      const target = await scoped(ref);
      const base = header(target);
      const patchMetadata = isRecord(patch.metadata) ? patch.metadata : {};
      const body = {
        ...patch,
        ...base,
        metadata: { ...patchMetadata, ...base.metadata },
      } as KubernetesObject;
      return plain(
        await request(`patch ${describeRef(ref)}`, () =>
          api.patch(body, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch),
        ),
      );
    },
    async apply(object) {
      const ref = refOfObject(object);
      const target = await scoped(ref);
      const body = { ...object } as unknown as KubernetesObject;
      if (!target.namespace && isRecord(object.metadata)) {
        const { namespace: _dropped, ...metadata } = object.metadata;
        body.metadata = metadata;
      }
      return plain(
        await request(`apply ${describeRef(ref)}`, () =>
          api.patch(body, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply),
        ),
      );
    },
    async delete(ref) {
      const target = await scoped(ref);
      return request(`delete ${describeRef(ref)}`, async () => {
        try {
          await api.delete(header(target));
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      });
    },
  };
}
