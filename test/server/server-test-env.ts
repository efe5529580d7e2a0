import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { buildDemoRepo, type DemoRepo } from '../../scripts/build-demo-repo.ts';
import type { FakePull } from '../support/fake-github-server.ts';

type Json = Record<string, unknown>;

const examples: { name: string; examples: Json[] }[] = JSON.parse(
  readFileSync(
    new URL('../../node_modules/@octokit/webhooks-examples/api.github.com/index.json', import.meta.url),
    'utf8',
  ),
);

/** A deep copy of the first real example of `name.action` that carries an installation. */
export function webhookExample(name: string, action: string): Json {
  const example = examples
    .find((g) => g.name === name)
    ?.examples.find((e) => e.action === action && e.installation !== undefined);
  if (!example) throw new Error(`no ${name}.${action} example with an installation`);
  return structuredClone(example);
}

export const OWNER = 'mergeplane';
export const REPO = 'demo-gitops';
export const INSTALLATION_ID = 4242;
export const APP_ID = 777;
export const WEBHOOK_SECRET = 'e2e-webhook-secret';

export interface PullRequestFields {
  number: number;
  headSha: string;
  baseSha: string;
  headRef?: string;
  baseRef?: string;
}

function rewriteRepository(payload: Json): void {
  const repository = payload.repository as Json;
  repository.name = REPO;
  repository.full_name = `${OWNER}/${REPO}`;
  (repository.owner as Json).login = OWNER;
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
}

/** A real `pull_request.<action>` payload rewritten to the demo repository, the given PR and SHAs. */
export function pullRequestPayload(action: 'opened' | 'synchronize', pr: PullRequestFields): Json {
  const payload = webhookExample('pull_request', action);
  rewriteRepository(payload);
  payload.number = pr.number;
  const pull = payload.pull_request as Json;
  pull.number = pr.number;
  pull.state = 'open';
  Object.assign(pull.head as Json, { sha: pr.headSha, ref: pr.headRef ?? 'demo-change' });
  Object.assign(pull.base as Json, { sha: pr.baseSha, ref: pr.baseRef ?? 'main' });
  return payload;
}

/** A real `issue_comment.created` payload: `body` by `login` on pull request `number` of the demo repository. */
export function commentPayload(number: number, login: string, body: string, commentId: number): Json {
  const payload = webhookExample('issue_comment', 'created');
  rewriteRepository(payload);
  const issue = payload.issue as Json;
  issue.number = number;
  issue.pull_request = { url: `https://github.test/api/v3/repos/${OWNER}/${REPO}/pulls/${number}` };
  Object.assign(payload.comment as Json, { id: commentId, body, user: { login, type: 'User' } });
  payload.sender = { ...(payload.sender as Json), login, type: 'User' };
  return payload;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  status: number;
  body: string;
}

/** POSTs a webhook delivery as GitHub does (signed with `secret`, unless `signWith` overrides it). */
export async function deliver(
  serverUrl: string,
  name: string,
  payload: Json,
  options: { id?: string; secret?: string } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${serverUrl}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': name,
      'x-github-delivery': options.id ?? randomBytes(8).toString('hex'),
      'x-hub-signature-256': signature(options.secret ?? WEBHOOK_SECRET, body),
      'user-agent': 'GitHub-Hookshot/e2e',
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

export function generateAppKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

export interface DemoGitHubRepo {
  demo: DemoRepo;
  /** Root for the stand-in: `gitRoot/mergeplane/demo-gitops.git`, with `refs/pull/1/head` = demo head. */
  gitRoot: string;
  /** Scratch directory holding everything; removed by `cleanup`. */
  dir: string;
  cleanup(): void;
}

/** The demo repository built from fixtures/demo, served as mergeplane/demo-gitops with PR #1 open. */
export function createDemoGitHubRepo(): DemoGitHubRepo {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-e2e-'));
  const demo = buildDemoRepo(join(dir, 'demo'));
  const gitRoot = join(dir, 'git');
  const bare = join(gitRoot, OWNER, `${REPO}.git`);
  mkdirSync(join(gitRoot, OWNER), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  git('clone', '--bare', '--quiet', demo.dir, bare);
  git('--git-dir', bare, 'update-ref', 'refs/pull/1/head', demo.head);
  return { demo, gitRoot, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger that keeps every record in memory (for assertions on what the server logged). */
export function captureLogger(level = 'info'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        records.push(JSON.parse(line) as LogRecord);
      },
    },
  );
  return { logger, records };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Pull request `number` of the demo repository, open at `headSha` (default the demo head), as the stand-in lists it. */
export function demoPull(
  repo: DemoGitHubRepo,
  number = 1,
  headSha = repo.demo.head,
): Record<string, FakePull> {
  return {
    [`${OWNER}/${REPO}#${number}`]: {
      number,
      state: 'open',
      headSha,
      headRef: 'demo-change',
      baseSha: repo.demo.base,
      baseRef: 'main',
    },
  };
}

/**
 * The variables every started-server test and bench sets: the App, the stand-in as GitHub Enterprise over
 * plain HTTP, Redis, and both caches in the demo repository's scratch directory.
 */
export function demoServerVariables(o: {
  fake: { host: string };
  repo: DemoGitHubRepo;
  privateKey: string;
  redisUrl: string;
}): Record<string, string> {
  return {
    APP_ID: String(APP_ID),
    PRIVATE_KEY: o.privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: o.fake.host,
    GHE_PROTOCOL: 'http',
    REDIS_URL: o.redisUrl,
    MERGEPLANE_CACHE_DIR: join(o.repo.dir, 'render-cache'),
    MERGEPLANE_REPO_CACHE_DIR: join(o.repo.dir, 'repos'),
  };
}
