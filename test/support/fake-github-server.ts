import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.ts';
import { assertGitHubRequests, type GitHubRequest } from './github-openapi.ts';

/**
 * A loopback stand-in for GitHub (Enterprise Server layout: REST under /api/v3, git under /OWNER/REPO.git)
 * for end-to-end tests of the started server. It answers the REST calls the App makes with the fields the
 * App reads, keeps their state (check runs, comments, reactions), records every request (for the OpenAPI
 * oracle), checks App JWTs against the App's public key and installation tokens on every call, and serves
 * the bare repositories under `gitRoot` with `git http-backend`, as GitHub does, to the installation token.
 */

export interface RecordedApiRequest extends GitHubRequest {
  method: string;
  /** Full URL as received (`http://127.0.0.1:PORT/api/v3/...`). */
  url: string;
  body?: unknown;
  status: number;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
  /** Every status/conclusion the run went through, in order (`in_progress`, `completed:success`). */
  history: string[];
  /** Every output the run was updated with, in order (progress while in progress, then the result). */
  outputs: NonNullable<FakeCheckRun['output']>[];
}

export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  html_url: string;
}

export interface FakeIssue {
  number: number;
  repo: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  user: { login: string; type: 'User' | 'Bot' };
  /** Every state change, in order (`open`, `closed:completed`, `open:reopened`). */
  history: string[];
}

export interface FakeReaction {
  commentId: number;
  content: string;
}

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  baseRef: string;
  baseSha: string;
  author?: string;
  /** Set once the pull request is merged (as `merge_commit_sha`). */
  mergeCommitSha?: string;
}

export interface FakeStatus {
  sha: string;
  context: string;
  state: string;
  description?: string;
  target_url?: string;
}

/** An injected failure: the next `times` requests matching method and path get this answer. */
export interface FailureRule {
  method: string;
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  times?: number;
}

export interface FakeGitHubOptions {
  appId: number;
  /** The App's private key (PEM); the fake checks JWTs with its public half. */
  privateKey: string;
  appSlug?: string;
  /** Where bare repositories live: `gitRoot/OWNER/REPO.git`. */
  gitRoot: string;
  /** Repository permission per user login (collaborators endpoint); default `none`. */
  permissions?: Record<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
  pulls?: Record<string, FakePull>;
  /** The one code `POST /app-manifests/{code}/conversions` accepts (once), answering with this App's credentials. */
  manifestCode?: string;
  manifestWebhookSecret?: string;
}

export interface FakeGitHub extends EventEmitter {
  /** `http://127.0.0.1:PORT` — use the host part as GHE_HOST with GHE_PROTOCOL=http. */
  origin: string;
  host: string;
  /** The token every access-token request returns. */
  token: string;
  appSlug: string;
  requests: RecordedApiRequest[];
  checkRuns: FakeCheckRun[];
  comments: FakeComment[];
  /** Issues (not pull requests) the App opened; `issue()` opens one as another user. */
  issues: FakeIssue[];
  reactions: FakeReaction[];
  /** Commit statuses in the order they were created. */
  statuses: FakeStatus[];
  git: GitHttpServer;
  fail(rule: FailureRule): void;
  /** Checks every recorded REST request against the OpenAPI fixture; throws the first violation. */
  assertRequestsMatchOpenApi(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function base64UrlJson(part: string): Json {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  const appSlug = options.appSlug ?? 'mergeplane-e2e';
  const botLogin = `${appSlug}[bot]`;
  const publicKey = createPublicKey(options.privateKey);
  const git = await startGitHttpServer({ root: options.gitRoot, token });
  const gitUrl = new URL(git.baseUrl);

  const emitter = new EventEmitter();
  const requests: RecordedApiRequest[] = [];
  const checkRuns: FakeCheckRun[] = [];
  const comments: FakeComment[] = [];
  const issues: FakeIssue[] = [];
  const reactions: FakeReaction[] = [];
  const statuses: FakeStatus[] = [];
  const failures: Array<FailureRule & { times: number }> = [];
  let nextId = 1000;
  let origin = '';

  function requireJwt(req: IncomingMessage): void {
    const auth = req.headers.authorization ?? '';
    const match = /^bearer (.+)$/i.exec(auth);
    if (!match) throw new HttpError(401, 'A JSON web token could not be decoded');
    const [head, payload, signature] = match[1]!.split('.');
    if (!head || !payload || !signature) throw new HttpError(401, 'A JSON web token could not be decoded');
    const valid = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${head}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    const claims = base64UrlJson(payload);
    if (!valid || String(claims.iss) !== String(options.appId)) {
      throw new HttpError(401, "'Issuer' claim ('iss') must be an Integer");
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
      throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
    }
  }

  function requireToken(req: IncomingMessage): void {
    if (req.headers.authorization !== `token ${token}`) throw new HttpError(401, 'Bad credentials');
  }

  function commentJson(comment: FakeComment): Json {
    return { ...comment, node_id: `IC_${comment.id}`, url: `${origin}/api/v3/comments/${comment.id}` };
  }

  function issueJson(issue: FakeIssue, owner: string, repo: string): Json {
    const { repo: _repo, history: _history, ...fields } = issue;
    return { ...fields, id: issue.number, html_url: `${origin}/${owner}/${repo}/issues/${issue.number}` };
  }

  /** Issues as GitHub serves them: list (state, creator filters; newest first), create, update (state, body). */
  function issueRoute(
    rest: string,
    input: Json,
    repoKey: string,
    owner: string,
    repo: string,
  ): Reply | undefined {
    if (currentMethod === 'GET' && /^\/issues$/.test(rest)) {
      const query = new URL(currentUrl, 'http://github.test').searchParams;
      const state = query.get('state') ?? 'open';
      const creator = query.get('creator');
      const page = Number(query.get('page') ?? '1');
      const perPage = Number(query.get('per_page') ?? '30');
      const listed = issues
        .filter((i) => i.repo === repoKey && (state === 'all' || i.state === state))
        .filter((i) => creator === null || i.user.login === creator)
        .sort((a, b) => b.number - a.number)
        .slice((page - 1) * perPage, page * perPage);
      return { status: 200, body: listed.map((i) => issueJson(i, owner, repo)) };
    }
    if (currentMethod === 'POST' && /^\/issues$/.test(rest)) {
      const issue: FakeIssue = {
        number: nextId++,
        repo: repoKey,
        title: String(input.title),
        body: String(input.body ?? ''),
        state: 'open',
        state_reason: null,
        user: { login: botLogin, type: 'Bot' },
        history: ['open'],
      };
      issues.push(issue);
      return { status: 201, body: issueJson(issue, owner, repo) };
    }
    const update = currentMethod === 'PATCH' ? /^\/issues\/(\d+)$/.exec(rest) : null;
    if (update) {
      const issue = issues.find((i) => i.repo === repoKey && i.number === Number(update[1]));
      if (!issue) throw new HttpError(404, 'Not Found');
      if (typeof input.body === 'string') issue.body = input.body;
      if (input.state === 'open' || input.state === 'closed') {
        issue.state = input.state;
        issue.state_reason = typeof input.state_reason === 'string' ? input.state_reason : null;
        issue.history.push(
          issue.state_reason === null ? issue.state : `${issue.state}:${issue.state_reason}`,
        );
      }
      return { status: 200, body: issueJson(issue, owner, repo) };
    }
    return undefined;
  }

  let manifestCodeUsed = false;
  let currentMethod = '';
  let currentUrl = '/';

  function route(method: string, path: string, req: IncomingMessage, body: unknown): Reply {
    currentMethod = method;
    currentUrl = req.url ?? '/';
    const input = (body ?? {}) as Json;
    const at = (verb: string, pattern: RegExp, target = path): RegExpExecArray | null =>
      method === verb ? pattern.exec(target) : null;

    if (at('POST', /^\/app\/installations\/(\d+)\/access_tokens$/)) {
      requireJwt(req);
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: { checks: 'write', contents: 'read', issues: 'write', pull_requests: 'write' },
          repository_selection: 'all',
        },
      };
    }
    if (at('GET', /^\/app$/)) {
      requireJwt(req);
      return { status: 200, body: { id: options.appId, slug: appSlug, name: 'Mergeplane (e2e)' } };
    }
    // The manifest flow's last step: unauthenticated, the code alone (once) proves the browser's consent.
    const conversion = at('POST', /^\/app-manifests\/([^/]+)\/conversions$/);
    if (conversion) {
      const code = decodeURIComponent(conversion[1]!);
      if (options.manifestCode === undefined || code !== options.manifestCode || manifestCodeUsed) {
        throw new HttpError(404, 'Not Found');
      }
      manifestCodeUsed = true;
      return {
        status: 201,
        body: {
          id: options.appId,
          slug: appSlug,
          node_id: `A_${options.appId}`,
          name: 'Mergeplane',
          owner: { login: 'acme', id: 1 },
          html_url: `${origin}/apps/${appSlug}`,
          client_id: `Iv1.${options.appId}`,
          client_secret: 'client-secret',
          webhook_secret: options.manifestWebhookSecret ?? 'manifest-webhook-secret',
          pem: options.privateKey,
          permissions: {},
          events: [],
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        },
      };
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    if (!repoMatch) throw new HttpError(404, 'Not Found');
    requireToken(req);
    const [, owner, repo, rest] = repoMatch as unknown as [string, string, string, string];
    const repoKey = `${owner}/${repo}`.toLowerCase();
    const runJson = (run: FakeCheckRun) => ({
      ...run,
      app: { id: options.appId, slug: appSlug },
      html_url: `${origin}/${owner}/${repo}/runs/${run.id}`,
    });

    if (at('POST', /^\/check-runs$/, rest)) {
      const run: FakeCheckRun = {
        id: nextId++,
        name: String(input.name),
        head_sha: String(input.head_sha),
        status: String(input.status ?? 'queued'),
        conclusion: typeof input.conclusion === 'string' ? input.conclusion : null,
        history: [],
        outputs: [],
      };
      if (input.output) {
        run.output = input.output as FakeCheckRun['output'];
        run.outputs.push(run.output!);
      }
      run.history.push(run.conclusion ? `${run.status}:${run.conclusion}` : run.status);
      checkRuns.push(run);
      return { status: 201, body: runJson(run) };
    }
    const update = at('PATCH', /^\/check-runs\/(\d+)$/, rest);
    if (update) {
      const run = checkRuns.find((r) => r.id === Number(update[1]));
      if (!run) throw new HttpError(404, 'Not Found');
      if (typeof input.status === 'string') run.status = input.status;
      if (typeof input.conclusion === 'string') {
        run.conclusion = input.conclusion;
        run.status = 'completed';
      }
      if (input.output) run.output = input.output as FakeCheckRun['output'];
      const state = run.conclusion ? `${run.status}:${run.conclusion}` : run.status;
      // Progress updates of a running run (status in_progress again) are not a change of state.
      if (
        (typeof input.status === 'string' || typeof input.conclusion === 'string') &&
        run.history.at(-1) !== state
      ) {
        run.history.push(state);
      }
      if (input.output) run.outputs.push(run.output!);
      return { status: 200, body: runJson(run) };
    }
    const forRef = at('GET', /^\/commits\/([^/]+)\/check-runs$/, rest);
    if (forRef) {
      // As GitHub: `check_name` filters by name; `filter=latest` (the default) keeps the newest run per name.
      const query = new URL(req.url ?? '/', 'http://github.test').searchParams;
      const name = query.get('check_name');
      let runs = checkRuns.filter((r) => r.head_sha === forRef[1] && (name === null || r.name === name));
      if ((query.get('filter') ?? 'latest') === 'latest') {
        runs = runs.filter((run) => !runs.some((other) => other.name === run.name && other.id > run.id));
      }
      const page = runs.map(runJson);
      return { status: 200, body: { total_count: page.length, check_runs: page } };
    }
    const list = at('GET', /^\/issues\/(\d+)\/comments$/, rest);
    if (list) {
      const issue = Number(list[1]);
      return { status: 200, body: comments.filter((c) => c.issue_number === issue).map(commentJson) };
    }
    const create = at('POST', /^\/issues\/(\d+)\/comments$/, rest);
    if (create) {
      const id = nextId++;
      const issue = Number(create[1]);
      const comment: FakeComment = {
        id,
        issue_number: issue,
        body: String(input.body),
        user: { login: botLogin, type: 'Bot' },
        html_url: `${origin}/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
      };
      comments.push(comment);
      return { status: 201, body: commentJson(comment) };
    }
    const edit =
      at('PATCH', /^\/issues\/comments\/(\d+)$/, rest) ?? at('DELETE', /^\/issues\/comments\/(\d+)$/, rest);
    if (edit) {
      const index = comments.findIndex((c) => c.id === Number(edit[1]));
      if (index === -1) throw new HttpError(404, 'Not Found');
      if (method === 'DELETE') {
        comments.splice(index, 1);
        return { status: 204 };
      }
      comments[index]!.body = String(input.body);
      return { status: 200, body: commentJson(comments[index]!) };
    }
    const react = at('POST', /^\/issues\/comments\/(\d+)\/reactions$/, rest);
    if (react) {
      reactions.push({ commentId: Number(react[1]), content: String(input.content) });
      return { status: 201, body: { id: nextId++, content: input.content, user: { login: botLogin } } };
    }
    const permission = at('GET', /^\/collaborators\/([^/]+)\/permission$/, rest);
    if (permission) {
      const user = decodeURIComponent(permission[1]!);
      const level = options.permissions?.[user] ?? 'none';
      return {
        status: 200,
        body: { permission: level, role_name: level, user: { login: user, type: 'User' } },
      };
    }
    const status = at('POST', /^\/statuses\/([0-9a-f]{40})$/, rest);
    if (status) {
      const created: FakeStatus = {
        sha: status[1]!,
        context: String(input.context ?? 'default'),
        state: String(input.state),
        ...(typeof input.description === 'string' ? { description: input.description } : {}),
        ...(typeof input.target_url === 'string' ? { target_url: input.target_url } : {}),
      };
      statuses.push(created);
      return { status: 201, body: { id: nextId++, ...created, creator: { login: botLogin } } };
    }
    const issueReply = issueRoute(rest, input, repoKey, owner, repo);
    if (issueReply !== undefined) return issueReply;
    const commitPulls = at('GET', /^\/commits\/([0-9a-f]{40})\/pulls$/, rest);
    if (commitPulls) {
      const sha = commitPulls[1];
      const associated = Object.entries(options.pulls ?? {})
        .filter(([key, pull]) => key.toLowerCase().startsWith(`${repoKey}#`) && pull.mergeCommitSha === sha)
        .map(([, pull]) => ({
          number: pull.number,
          state: pull.state,
          merge_commit_sha: pull.mergeCommitSha,
          merged_at: '2026-03-03T14:30:00Z',
        }));
      return { status: 200, body: associated };
    }
    const matching = at('GET', /^\/git\/matching-refs\/(.+)$/, rest);
    if (matching) {
      // As GitHub: every ref of the repository that starts with refs/<ref> (an empty list when none does).
      const prefix = `refs/${decodeURIComponent(matching[1]!)}`;
      const listing = execFileSync(
        'git',
        ['for-each-ref', '--format=%(refname) %(objectname) %(objecttype)'],
        { cwd: join(options.gitRoot, owner, `${repo}.git`), encoding: 'utf8' },
      );
      const refs = listing
        .split('\n')
        .filter((line) => line.startsWith(prefix))
        .map((line) => {
          const [ref, sha, type] = line.split(' ');
          return {
            ref,
            node_id: `REF_${sha}`,
            url: `${origin}/api/v3/repos/${owner}/${repo}/git/${ref}`,
            object: { sha, type, url: `${origin}/api/v3/repos/${owner}/${repo}/git/commits/${sha}` },
          };
        });
      return { status: 200, body: refs };
    }
    const pullMatch = at('GET', /^\/pulls\/(\d+)$/, rest);
    if (pullMatch) {
      const pull = options.pulls?.[`${repoKey}#${pullMatch[1]}`];
      if (!pull) throw new HttpError(404, 'Not Found');
      return {
        status: 200,
        body: {
          number: pull.number,
          state: pull.state,
          user: { login: pull.author ?? 'octo-author', type: 'User' },
          merged: pull.mergeCommitSha !== undefined,
          merge_commit_sha: pull.mergeCommitSha ?? null,
          head: { sha: pull.headSha, ref: pull.headRef },
          base: { sha: pull.baseSha, ref: pull.baseRef },
        },
      };
    }
    throw new HttpError(404, 'Not Found');
  }

  function injected(method: string, path: string): (FailureRule & { times: number }) | undefined {
    const index = failures.findIndex((f) => f.method === method && f.path.test(path));
    if (index === -1) return undefined;
    const rule = failures[index]!;
    rule.times -= 1;
    if (rule.times <= 0) failures.splice(index, 1);
    return rule;
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    let body: unknown;
    let reply: Reply;
    try {
      body = await readJson(req);
      const failure = injected(method, path);
      reply = failure
        ? {
            status: failure.status,
            body: failure.body ?? { message: 'injected' },
            ...(failure.headers ? { headers: failure.headers } : {}),
          }
        : route(method, path, req, body);
    } catch (error) {
      reply =
        error instanceof HttpError
          ? { status: error.status, body: { message: error.message } }
          : { status: 500, body: { message: error instanceof Error ? error.message : String(error) } };
    }
    requests.push({ method, url: `${origin}${req.url ?? ''}`, body, status: reply.status });
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      ...reply.headers,
    });
    res.end(text);
    emitter.emit('request');
  }

  /** Git smart HTTP goes to the http-backend server, unchanged (it checks the token itself). */
  function proxyGit(req: IncomingMessage, res: ServerResponse): void {
    const upstream = httpRequest(
      {
        host: gitUrl.hostname,
        port: gitUrl.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path.startsWith('/api/v3/')) {
      void api(req, res, path.slice('/api/v3'.length));
      return;
    }
    if (/^\/[^/]+\/[^/]+\.git\//.test(path)) {
      proxyGit(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return Object.assign(emitter, {
    origin,
    host: `127.0.0.1:${port}`,
    token,
    appSlug,
    requests,
    checkRuns,
    comments,
    issues,
    reactions,
    statuses,
    git,
    fail(rule: FailureRule) {
      failures.push({ ...rule, times: rule.times ?? 1 });
    },
    assertRequestsMatchOpenApi() {
      assertGitHubRequests(requests);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await git.close();
    },
  });
}
