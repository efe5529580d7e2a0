import { isRecord } from '../model/kube-object.ts';

/** Where an object of an Argo CD application lands: its cluster (server URL and/or name) and namespace. */
export interface ProjectDestination {
  server: string;
  name?: string;
  namespace: string;
}

/** An object's type and whether the cluster serves it cluster-scoped. */
export interface ProjectResource {
  group: string;
  kind: string;
  namespaced: boolean;
}

/** `*`, `?` and literal characters, anchored: the glob Argo CD matches project entries with. */
function glob(pattern: string, value: string): boolean {
  let source = '^';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`${source}$`, 's').test(value);
}

const isDeny = (pattern: string | undefined): boolean => pattern?.startsWith('!') === true;

/** A pattern of a project entry: `!pattern` matches what `pattern` does not. An absent pattern matches nothing. */
function matches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined || pattern === '' || value === undefined || value === '') return false;
  return isDeny(pattern) ? !glob(pattern.slice(1), value) : glob(pattern, value);
}

function entries(spec: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = spec[field];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Whether the project lets its applications deploy to `destination`, as Argo CD decides it: some entry matches the
 * cluster (by server or by name) and the namespace, and no deny entry (`!…`) excludes it.
 */
export function destinationPermitted(
  project: Record<string, unknown>,
  destination: ProjectDestination,
): boolean {
  let matched = false;
  for (const entry of entries(project, 'destinations')) {
    const server = text(entry.server);
    const name = text(entry.name);
    const namespace = text(entry.namespace) ?? '';
    const serverMatched = matches(server, destination.server);
    const nameMatched = matches(name, destination.name);
    // A namespace-less object (cluster-scoped) is checked against the cluster alone, as Argo CD does.
    const namespaceMatched = destination.namespace === '' || matches(namespace, destination.namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) matched = true;
    else if (
      (isDeny(server) && !serverMatched) ||
      (isDeny(name) && !nameMatched) ||
      (destination.namespace !== '' && isDeny(namespace) && !namespaceMatched)
    ) {
      return false;
    }
  }
  return matched;
}

function listed(list: Record<string, unknown>[], resource: ProjectResource): boolean {
  return list.some(
    (entry) =>
      matches(text(entry.group) || '""', resource.group || '""') && matches(text(entry.kind), resource.kind),
  );
}

/**
 * Why the project does not let its applications deploy this kind of object, or undefined when it does: cluster-scoped
 * kinds need `clusterResourceWhitelist` (empty: none) and must not be in `clusterResourceBlacklist`; namespaced kinds
 * must not be in `namespaceResourceBlacklist` and, when `namespaceResourceWhitelist` is set, must be in it.
 */
export function resourceNotPermitted(
  project: Record<string, unknown>,
  resource: ProjectResource,
): string | undefined {
  const kind = resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
  if (!resource.namespaced) {
    if (!listed(entries(project, 'clusterResourceWhitelist'), resource))
      return `the project does not allow the cluster-scoped kind ${kind}`;
    if (listed(entries(project, 'clusterResourceBlacklist'), resource))
      return `the project denies the cluster-scoped kind ${kind}`;
    return undefined;
  }
  if (listed(entries(project, 'namespaceResourceBlacklist'), resource))
    return `the project denies the kind ${kind}`;
  const whitelist = entries(project, 'namespaceResourceWhitelist');
  if (whitelist.length > 0 && !listed(whitelist, resource))
    return `the project does not allow the kind ${kind}`;
  return undefined;
}
