import { FakeKubeApiError } from './fake-kube-api-error.ts';
import type { FakeKubeStore } from './fake-kube-store.ts';
import type { ResolvedResourceType } from './resource-types.ts';

export interface ParsedResourcePath {
  type: ResolvedResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const notServed = (): FakeKubeApiError =>
  new FakeKubeApiError('NotFound', 'the server could not find the requested resource');

/**
 * `/api/v1/...` or `/apis/{group}/{version}/...` followed by `[namespaces/{ns}/]{plural}[/{name}[/status]]`.
 * Undefined when the path is not under a group version at all; NotFound for unknown resources and
 * for scope mismatches (a namespaced item without a namespace, a cluster item with one).
 */
export function parseResourcePath(pathname: string, store: FakeKubeStore): ParsedResourcePath | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else return undefined;

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = store.types.byPlural(group, version, rest[2]!);
    if (candidate?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = plural === undefined ? undefined : store.types.byPlural(group, version, plural);
  if (!type || extra.length > 0) throw notServed();
  if (namespace !== undefined && !type.namespaced) throw notServed();
  if (name !== undefined && type.namespaced && namespace === undefined) throw notServed();
  if (subresource !== undefined && (subresource !== 'status' || !type.hasStatus)) throw notServed();
  return {
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
