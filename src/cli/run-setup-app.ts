import { randomBytes } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Octokit } from '@octokit/rest';
import { WEBHOOK_PATH } from '../server/create-http-handler.ts';
import { ServerEnvError } from '../server/env-reading.ts';
import { loadGithub } from '../server/server-env.ts';
import { appManifest, manifestFormPage } from './app-manifest-form.ts';
import { UsageError } from './usage-error.ts';

const CODE = /^[A-Za-z0-9_-]{1,200}$/;
const FILES = { key: 'mergeplane.private-key.pem', secret: 'webhook-secret', env: '.env' } as const;

export interface SetupAppIo {
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  /** Tests: the local page's URL, once it listens. */
  onListening?: (url: string) => void;
}

interface SetupArgs {
  webhookUrl: string;
  org?: string;
  name?: string;
  port: number;
  dir: string;
}

function parse(argv: string[]): SetupArgs {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'webhook-url': { type: 'string' },
        org: { type: 'string' },
        name: { type: 'string' },
        port: { type: 'string' },
        dir: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  const webhookUrl = values['webhook-url'];
  if (webhookUrl === undefined) throw new UsageError('--webhook-url is required');
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new UsageError(`--webhook-url ${JSON.stringify(webhookUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:')
    throw new UsageError('--webhook-url must be https:// (GitHub sends the secret-signed payloads there)');
  if (url.pathname !== WEBHOOK_PATH) throw new UsageError(`--webhook-url must end with ${WEBHOOK_PATH}`);
  const port = Number(values.port ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be 0 to 65535');
  if (values.org !== undefined && !/^[A-Za-z0-9-]{1,39}$/.test(values.org)) {
    throw new UsageError(`--org ${JSON.stringify(values.org)} is not a GitHub organisation name`);
  }
  return {
    webhookUrl,
    port,
    dir: resolve(values.dir ?? '.'),
    ...(values.org === undefined ? {} : { org: values.org }),
    ...(values.name === undefined ? {} : { name: values.name }),
  };
}

/** What GitHub hands back for the manifest's code: the App and its credentials (shown once, written once). */
interface CreatedApp {
  id: number;
  slug: string;
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
}

async function convert(apiUrl: string, code: string): Promise<CreatedApp> {
  const octokit = new Octokit({ baseUrl: apiUrl, userAgent: 'mergeplane-setup-app' });
  const { data } = await octokit.rest.apps.createFromManifest({ code });
  if (data.webhook_secret === null || data.webhook_secret === undefined) {
    throw new Error('GitHub returned no webhook secret for the new App');
  }
  return {
    id: data.id,
    slug: data.slug ?? String(data.id),
    htmlUrl: data.html_url,
    pem: data.pem,
    webhookSecret: data.webhook_secret,
  };
}

/** The key and the secret in files only their owner reads, and a `.env` that points at them. */
async function writeCredentials(dir: string, app: CreatedApp): Promise<string[]> {
  const key = join(dir, FILES.key);
  const secret = join(dir, FILES.secret);
  const env = join(dir, FILES.env);
  await writeFile(key, app.pem, { mode: 0o600, flag: 'wx' });
  await writeFile(secret, `${app.webhookSecret}\n`, { mode: 0o600, flag: 'wx' });
  const lines = [`APP_ID=${app.id}`, `PRIVATE_KEY_PATH=${key}`, `WEBHOOK_SECRET_PATH=${secret}`, ''];
  await writeFile(env, lines.join('\n'), { mode: 0o600, flag: 'wx' });
  return [env, key, secret];
}

function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/**
 * `mergeplane setup-app`: registers the GitHub App from `app.yml` through GitHub's manifest flow. A page on
 * 127.0.0.1 posts the manifest (with this installation's webhook URL) to GitHub; GitHub sends the browser back with a
 * code, which is exchanged for the App's id, private key and webhook secret, written to `DIR/.env` and two files
 * only their owner can read. Refuses to overwrite any of them. Exit 0 once written, 1 when the App was created but
 * its credentials could not be written (the terminal says where to make new ones), 2 on bad arguments.
 */
export async function runSetupApp(argv: string[], io: SetupAppIo): Promise<number> {
  const args = parse(argv);
  let github: ReturnType<typeof loadGithub>;
  try {
    github = loadGithub(io.env);
  } catch (error) {
    if (error instanceof ServerEnvError) throw new UsageError(error.message);
    throw error;
  }
  // Before GitHub creates anything: the credentials it returns are shown once and must have somewhere to go.
  try {
    await mkdir(args.dir, { recursive: true });
    await access(args.dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write to ${args.dir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  for (const file of Object.values(FILES)) {
    const path = join(args.dir, file);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new UsageError(`${path} exists; setup-app never overwrites credentials`);
  }
  const apiUrl = github.baseUrl ?? 'https://api.github.com';
  const webUrl = github.baseUrl === undefined ? 'https://github.com' : new URL(github.baseUrl).origin;
  const appYml = readFileSync(new URL('../../app.yml', import.meta.url), 'utf8');
  const state = randomBytes(16).toString('hex');
  let done: (written: boolean) => void = () => {};
  const created = new Promise<boolean>((settle) => {
    done = settle;
  });
  let local = '';
  let busy = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', local);
    if (req.method === 'GET' && url.pathname === '/') {
      const manifest = appManifest(appYml, {
        webhookUrl: args.webhookUrl,
        redirectUrl: `${local}/callback`,
        ...(args.name === undefined ? {} : { name: args.name }),
      });
      return page(
        res,
        200,
        manifestFormPage({ manifest, webUrl, state, ...(args.org === undefined ? {} : { org: args.org }) }),
      );
    }
    if (req.method !== 'GET' || url.pathname !== '/callback') return page(res, 404, 'Not found');
    const code = url.searchParams.get('code') ?? '';
    if (url.searchParams.get('state') !== state || !CODE.test(code) || busy) {
      return page(res, 400, 'This is not the answer to the registration this command started.');
    }
    busy = true;
    let app: CreatedApp;
    try {
      app = await convert(apiUrl, code);
    } catch (error) {
      busy = false;
      io.stdout(`GitHub did not create the App: ${(error as Error).message}`);
      return page(res, 502, 'GitHub did not create the App; see the terminal.');
    }
    try {
      const files = await writeCredentials(args.dir, app);
      io.stdout(`Registered the GitHub App ${app.slug} (id ${app.id}); wrote ${files.join(', ')}.`);
      io.stdout(`Install it on your GitOps repository: ${app.htmlUrl}/installations/new`);
      page(
        res,
        200,
        `<!doctype html><p>Registered <strong>${app.slug}</strong>. Now <a href="${app.htmlUrl}/installations/new">install it</a> on your GitOps repository.</p>`,
      );
      done(true);
    } catch (error) {
      // The App exists now; only its settings page can issue a new key and secret.
      io.stdout(
        `GitHub created the App ${app.slug} (id ${app.id}), but writing its credentials failed: ${(error as Error).message}. Generate a new private key and webhook secret at ${app.htmlUrl} (settings).`,
      );
      page(res, 500, 'The App was created but its credentials could not be written; see the terminal.');
      done(false);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ready) => server.listen(args.port, '127.0.0.1', ready));
  local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  io.stdout(`Open ${local} in a browser signed in to ${webUrl} to register the App (Ctrl-C to stop).`);
  io.onListening?.(local);
  const written = await created;
  const closing = new Promise<void>((closed) => server.close(() => closed()));
  // The browser keeps its connection open; the answer was already sent on it.
  server.closeIdleConnections();
  await closing;
  return written ? 0 : 1;
}
