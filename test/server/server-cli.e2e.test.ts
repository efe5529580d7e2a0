import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertRedisReachable, redisUrl } from '../queue/redis-test-env.ts';
import { APP_ID, closedPort, generateAppKey, WEBHOOK_SECRET } from './server-test-env.ts';

const bin = new URL('../../bin/mergeplane.js', import.meta.url).pathname;
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/' };

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...baseEnv, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let privateKey: string;
beforeAll(async () => {
  await assertRedisReachable();
  privateKey = generateAppKey();
});

describe('mergeplane server | worker: bad environment', () => {
  it.each([
    ['server', {}, /^mergeplane: APP_ID: required/],
    ['worker', { APP_ID: '12', WEBHOOK_SECRET }, /^mergeplane: PRIVATE_KEY: required/],
  ])('%s with %j exits 2 with one line naming the variable', (command, env, message) => {
    const result = run([command], env);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('never echoes the secret it rejects', () => {
    const result = run(['server'], { APP_ID: '12', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'tiny7' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('mergeplane: WEBHOOK_SECRET: too short (5 characters, at least 8)\n');
  });

  it('answers an unknown flag with its usage line, exit 2', () => {
    const result = run(['worker', '--no-such-flag'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^mergeplane: .*no-such-flag/);
    expect(result.stderr).toContain('usage: mergeplane worker');
  });
});

describe('mergeplane server: start and graceful stop', () => {
  it('serves /healthz, then exits 0 on SIGTERM', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [bin, 'server', '--no-worker'], {
      env: {
        ...baseEnv,
        APP_ID: String(APP_ID),
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET,
        GHE_HOST: `127.0.0.1:${await closedPort()}`,
        GHE_PROTOCOL: 'http',
        REDIS_URL: redisUrl,
        MERGEPLANE_QUEUE_PREFIX: `mp-test-${randomBytes(6).toString('hex')}`,
        HOST: '127.0.0.1',
        PORT: '0',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const started = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg: string; url?: string })
          .find((record) => record.msg === 'mergeplane started');
        if (started?.url) resolve(started.url);
      });
      void exited.then((code) => reject(new Error(`exited ${code} before starting: ${stderr}`)));
    });

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('"msg":"mergeplane stopped"');
    expect(stderr).toBe('');
  });
});
