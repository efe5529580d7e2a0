import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runSetupApp } from '../../src/cli/run-setup-app.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { loadServerEnv } from '../../src/server/server-env.ts';
import { generateAppKey } from '../server/server-test-env.ts';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';

const WEBHOOK = 'https://mergeplane.example.com/api/github/webhooks';
const CODE = 'a180b1a3d263c81bc6441d7b990bae27d4c10679';
const appYml = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

let privateKey: string;
let fake: FakeGitHub | undefined;
let dir: string | undefined;
beforeAll(() => {
  privateKey = generateAppKey();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const unescapeHtml = (html: string) =>
  html.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/** Starts `setup-app` against the stand-in as GHE_HOST; resolves with the local page once it listens. */
async function start(extra: string[] = []) {
  fake = await startFakeGitHub({
    appId: 4242,
    privateKey,
    gitRoot: tmpdir(),
    appSlug: 'mergeplane-acme',
    manifestCode: CODE,
    manifestWebhookSecret: 'generated-by-github-0123456789',
  });
  dir = mkdtempSync(join(tmpdir(), 'mergeplane-setup-'));
  const out: string[] = [];
  let listening: (url: string) => void = () => {};
  const local = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const status = runSetupApp(['--webhook-url', WEBHOOK, '--port', '0', '--dir', dir, ...extra], {
    env: { GHE_HOST: fake.host, GHE_PROTOCOL: 'http' },
    stdout: (line) => out.push(line),
    onListening: listening,
  });
  return { url: await local, status, out, dir, fake };
}

describe('mergeplane setup-app (GitHub manifest flow)', () => {
  it('posts app.yml with this webhook URL to GitHub, then writes the credentials GitHub returns for the code', async () => {
    const { url, status, out, dir, fake } = await start(['--org', 'acme']);
    const form = await (await fetch(url)).text();
    const action = unescapeHtml(/<form id="register" method="post" action="([^"]+)"/.exec(form)![1]!);
    const manifest = JSON.parse(unescapeHtml(/name="manifest" value="([^"]+)"/.exec(form)![1]!)) as Record<
      string,
      unknown
    >;
    const state = new URL(action).searchParams.get('state')!;
    // GitHub's documented form target for an organisation's App, with the state it hands back.
    expect(action).toBe(`${fake.origin}/organizations/acme/settings/apps/new?state=${state}`);
    expect(manifest).toEqual({
      ...appYml,
      hook_attributes: { ...(appYml.hook_attributes as object), url: WEBHOOK },
      redirect_url: `${url}/callback`,
    });

    // GitHub sends the browser back to redirect_url with the code and the state.
    const back = await fetch(`${url}/callback?code=${CODE}&state=${state}`);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain(`${fake.origin}/apps/mergeplane-acme/installations/new`);
    expect(await status).toBe(0);

    const env = Object.fromEntries(
      readFileSync(join(dir, '.env'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    expect(env).toEqual({
      APP_ID: '4242',
      PRIVATE_KEY_PATH: join(dir, 'mergeplane.private-key.pem'),
      WEBHOOK_SECRET_PATH: join(dir, 'webhook-secret'),
    });
    expect(readFileSync(env.PRIVATE_KEY_PATH!, 'utf8')).toBe(privateKey);
    for (const file of ['.env', 'mergeplane.private-key.pem', 'webhook-secret']) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    }
    // What it wrote starts the server as it is.
    const server = loadServerEnv(env);
    expect({ appId: server.appId, webhookSecret: server.webhookSecret }).toEqual({
      appId: '4242',
      webhookSecret: 'generated-by-github-0123456789',
    });
    expect(out.at(-1)).toBe(
      `Install it on your GitOps repository: ${fake.origin}/apps/mergeplane-acme/installations/new`,
    );
    fake.assertRequestsMatchOpenApi();
  });

  it('answers nothing but its own registration: a wrong state writes nothing', async () => {
    const { url, status, dir } = await start();
    const back = await fetch(`${url}/callback?code=${CODE}&state=forged`);
    expect(back.status).toBe(400);
    expect(() => statSync(join(dir, '.env'))).toThrow();
    // The real answer still completes it.
    const form = await (await fetch(url)).text();
    const state = new URL(unescapeHtml(/action="([^"]+)"/.exec(form)![1]!)).searchParams.get('state')!;
    expect(new URL(unescapeHtml(/action="([^"]+)"/.exec(form)![1]!)).pathname).toBe('/settings/apps/new');
    await fetch(`${url}/callback?code=${CODE}&state=${state}`);
    expect(await status).toBe(0);
  });

  it.each([
    [['--webhook-url', 'http://mergeplane.example.com/api/github/webhooks'], /must be https/],
    [['--webhook-url', 'https://mergeplane.example.com/hooks'], /must end with \/api\/github\/webhooks/],
    [[], /--webhook-url is required/],
  ])('refuses %j', async (args, message) => {
    await expect(runSetupApp(args, { env: {}, stdout: () => {} })).rejects.toThrow(message);
  });

  it('makes sure it can write the credentials before GitHub creates the App', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mergeplane-setup-'));
    writeFileSync(join(dir, 'a-file'), '');
    const running = runSetupApp(
      ['--webhook-url', WEBHOOK, '--dir', join(dir, 'a-file', 'creds'), '--port', '0'],
      {
        env: {},
        stdout: () => {},
      },
    );
    await expect(running).rejects.toThrow(/cannot write to .*a-file\/creds: ENOTDIR/);
  });

  it('never overwrites credentials that are there', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mergeplane-setup-'));
    writeFileSync(join(dir, '.env'), 'APP_ID=1\n');
    const running = runSetupApp(['--webhook-url', WEBHOOK, '--dir', dir, '--port', '0'], {
      env: {},
      stdout: () => {},
    });
    await expect(running).rejects.toThrow(UsageError);
    await expect(running).rejects.toThrow(/\.env exists; setup-app never overwrites credentials/);
  });
});
