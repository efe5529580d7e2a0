const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `host.tld/...` without a scheme: kustomize's go-getter style remote (`github.com/org/repo//path?ref=x`). */
const HOST_LIKE = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\//i;

/** Hosts kustomize clones from even when a local directory of the same name exists. */
const KNOWN_GIT_HOST = /^(github\.com|gitlab\.com|bitbucket\.org)[/:]/i;

/** A URL with a scheme (`https://`, `oci://`, `file://`): what helm treats as remote in a value file. */
export function hasUrlScheme(ref: string): boolean {
  return URL_SCHEME.test(ref);
}

/**
 * True when kustomize would fetch `ref` whether or not a local path of that name exists: a scheme, scp-like
 * `git@`, go-getter forcing, a query, a `//` repo/path separator, a `.git`/`_git` segment or a well-known host.
 */
export function isCertainlyRemoteRef(ref: string): boolean {
  return (
    URL_SCHEME.test(ref) ||
    ref.startsWith('git@') ||
    ref.startsWith('git::') ||
    ref.includes('?ref=') ||
    ref.includes('?version=') ||
    /.\/\//.test(ref) ||
    /\.git(\/|$)|(^|\/)_git\//.test(ref) ||
    KNOWN_GIT_HOST.test(ref)
  );
}

/**
 * True when kustomize or helm could fetch `ref` over the network instead of reading a local path. A bare
 * `host.tld/...` is only a remote when no such local path exists (`config.d/`, `v1.2/` are local directories);
 * callers check the checkout first and use this for what is missing there.
 */
export function isRemoteRef(ref: string): boolean {
  return isCertainlyRemoteRef(ref) || HOST_LIKE.test(ref);
}

/** True when `ref` starts with one of the configured prefixes (also tried with `https://` for scheme-less refs). */
export function isAllowedRemote(ref: string, allowed: readonly string[]): boolean {
  const candidates = URL_SCHEME.test(ref) ? [ref] : [ref, `https://${ref}`];
  return allowed.some((prefix) => prefix !== '' && candidates.some((c) => startsWithAtBoundary(c, prefix)));
}

/**
 * `https://github.com/org` allows `https://github.com/org/repo` but not `https://github.com/org-evil/repo`:
 * a prefix matches only where a path segment, query or ref ends.
 */
function startsWithAtBoundary(ref: string, prefix: string): boolean {
  if (!ref.startsWith(prefix)) return false;
  if (ref.length === prefix.length || /[/?#@:]$/.test(prefix)) return true;
  const rest = ref.slice(prefix.length);
  // A prefix that is only a host (`https://charts.example.com`) continues only with a path: never with
  // `.evil.com`, `@evil.com` or `:8443`.
  if (/^([a-z][a-z0-9+.-]*:\/\/)?[^/]+$/i.test(prefix)) return rest.startsWith('/');
  return /^[/?#@.]/.test(rest) && !rest.startsWith('..');
}
