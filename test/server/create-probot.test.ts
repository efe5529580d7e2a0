import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProbot } from '../../src/server/create-probot.ts';
import { loadServerEnv } from '../../src/server/server-env.ts';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';
import {
  APP_ID,
  captureLogger,
  generateAppKey,
  INSTALLATION_ID,
  OWNER,
  REPO,
  WEBHOOK_SECRET,
} from './server-test-env.ts';

const SHA = 'a'.repeat(40);
let privateKey: string;
let fake: FakeGitHub | undefined;
let gitRoot: string;

beforeAll(() => {
  privateKey = generateAppKey();
  gitRoot = mkdtempSync(join(tmpdir(), 'mergeplane-probot-'));
  return () => rmSync(gitRoot, { recursive: true, force: true });
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function probotAgainstFake() {
  fake = await startFakeGitHub({ appId: APP_ID, privateKey, gitRoot });
  const env = loadServerEnv({
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: 'http',
  });
  // Probot's plugins as shipped; only their waits shrink from seconds to milliseconds.
  return createProbot({
    env,
    logger: captureLogger('fatal').logger,
    octokit: { retry: { retryAfterBaseValue: 1 }, throttle: { retryAfterBaseValue: 1 } },
  });
}

describe('createProbot', () => {
  it('gets the installation token for git from the Enterprise host, not api.github.com', async () => {
    const probot = await probotAgainstFake();
    const octokit = await probot.auth(INSTALLATION_ID);
    const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
    expect(auth.token).toBe(fake!.token);
    expect(fake!.requests.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`)).toEqual([
      `POST /api/v3/app/installations/${INSTALLATION_ID}/access_tokens 201`,
    ]);
  });

  it('retries a 5xx and waits out a secondary rate limit (Probot’s retry and throttling plugins)', async () => {
    const probot = await probotAgainstFake();
    fake!.fail({ method: 'GET', path: /\/check-runs$/, status: 502 });
    fake!.fail({
      method: 'GET',
      path: /\/check-runs$/,
      status: 403,
      headers: { 'retry-after': '1' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
    });
    const octokit = await probot.auth(INSTALLATION_ID);
    const { data } = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: SHA });
    expect(data.total_count).toBe(0);
    const listed = fake!.requests.filter((r) => r.url.includes('/check-runs'));
    expect(listed.map((r) => r.status)).toEqual([502, 403, 200]);
    fake!.assertRequestsMatchOpenApi();
  });

  it('does not retry a 404 (nothing a retry could fix)', async () => {
    const probot = await probotAgainstFake();
    const octokit = await probot.auth(INSTALLATION_ID);
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 9 })).rejects.toMatchObject({
      status: 404,
    });
    expect(fake!.requests.filter((r) => r.url.includes('/pulls/')).length).toBe(1);
  });
});
