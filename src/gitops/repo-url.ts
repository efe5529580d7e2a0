const DEFAULT_PORTS: Record<string, string> = { https: '443', http: '80', git: '9418' };
/** URLs a repository matcher remembers its answer for (a plan names few; a hostile repository may name many). */
const MAX_REMEMBERED_URLS = 4096;
const SCP_LIKE = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.*)$/;

function cleanPath(path: string): string {
  return path
    .replace(/[?#].*$/, '')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
}

/**
 * One canonical form for the ways a git remote is written: `https://GitHub.com/Org/Repo.git/`,
 * `git@github.com:Org/Repo.git`, `ssh://git@github.com:22/Org/Repo` and `http://github.com/Org/Repo`
 * all become `github.com/Org/Repo`. The scheme, user-info, query, fragment, an ssh port, a default
 * http(s)/git port, a trailing `.git` and trailing slashes are dropped; the host is lowercased; the
 * path keeps its case (it is shown to users) — compare with createRepoMatcher, which ignores case.
 * A local path or `file://` URL keeps its path (without trailing `.git` and slashes).
 */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'file') return `/${cleanPath(trimmed.slice('file://'.length))}`;
  if (scheme !== undefined) {
    const rest = trimmed.slice(scheme.length + 3);
    // The authority ends at the first of `/ ? # \`, as URL parsers (and git) read it: `https://evil.com?@github.com/o/r`
    // is evil.com, never github.com.
    const end = rest.search(/[/?#\\]/);
    const authority = end === -1 ? rest : rest.slice(0, end);
    // WHATWG URL parsing reads a backslash as a slash in the path of http(s) and the like.
    const path = end === -1 ? '' : rest.slice(end).replace(/\\/g, '/');
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
    const portMatch = /^(.*?)(?::(\d*))?$/.exec(hostPort);
    const host = portMatch?.[1] ?? hostPort;
    const port = portMatch?.[2];
    // ssh ports never identify a repository (the same repo is served on 22 and 443); http ports may.
    const keepPort =
      port !== undefined && port !== '' && !scheme.includes('ssh') && DEFAULT_PORTS[scheme] !== port;
    const cleaned = cleanPath(path);
    return `${host}${keepPort ? `:${port}` : ''}${cleaned ? `/${cleaned}` : ''}`;
  }
  // scp-like `user@host:path`; a Windows drive letter (`C:\x`) or a plain path is not one.
  const scp = SCP_LIKE.exec(trimmed);
  if (scp?.[1] && scp[1].length > 1 && !trimmed.startsWith('/') && !trimmed.startsWith('.')) {
    const cleaned = cleanPath(scp[2] ?? '');
    return `${scp[1].toLowerCase()}${cleaned ? `/${cleaned}` : ''}`;
  }
  const local = trimmed
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  return local === '' && trimmed.startsWith('/') ? '/' : local;
}

/**
 * A predicate telling whether a repoURL names one of `urls`. Comparison is case-insensitive on the whole
 * normalized URL, as Argo CD's own repository matching (`git.SameURL`) is: GitHub, GitLab and Bitbucket
 * treat owner and repository names case-insensitively, so `Org/Repo` and `org/repo` are one repository.
 */
export function createRepoMatcher(urls: string[]): (url: string) => boolean {
  const known = new Set(urls.map((u) => normalizeRepoUrl(u).toLowerCase()).filter((u) => u !== ''));
  // Asked once per source of every app of a plan, of a handful of distinct URLs.
  const answers = new Map<string, boolean>();
  return (url: string) => {
    let answer = answers.get(url);
    if (answer === undefined) {
      answer = known.has(normalizeRepoUrl(url).toLowerCase());
      if (answers.size >= MAX_REMEMBERED_URLS) answers.clear();
      answers.set(url, answer);
    }
    return answer;
  };
}
