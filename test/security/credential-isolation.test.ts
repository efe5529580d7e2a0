import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOOL_USER } from '../../src/render/tool-sandbox.ts';
import { createGitFixture } from '../support/git-fixture.ts';
import { application, CANARY, CHART, ORIGIN } from './hostile-repo.ts';

const BIN = resolve(import.meta.dirname, '../../bin/mergeplane.js');
const isRoot = process.getuid?.() === 0;

/**
 * Defence in depth: even a render tool that could be made to open any path must not get the App's
 * secrets. A stand-in for helm tries what an attacker with an arbitrary file read would: the planner's
 * environment (`/proc/PPID/environ`), PID 1's, and the private key file. The planner runs as a separate
 * process with the secrets in its environment, as the server does; tools run as the render user.
 * Only meaningful as root (the image starts as root and switches the tools to 65534).
 */
describe.runIf(isRoot)('render tools cannot read the App’s credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-creds-'));
  chmodSync(dir, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gets nothing from the server’s or PID 1’s environment, nor from the private key file', () => {
    const secrets = mkdtempSync(join(dir, 'secrets-'));
    chmodSync(secrets, 0o700);
    const keyFile = join(secrets, 'private-key.pem');
    writeFileSync(keyFile, `-----BEGIN RSA PRIVATE KEY-----\n${CANARY}\n-----END RSA PRIVATE KEY-----\n`, {
      mode: 0o600,
    });
    const tools = join(dir, 'tools');
    execFileSync('mkdir', ['-m', '755', tools]);
    const fakeHelm = join(tools, 'helm');
    // Prints what it could read as a ConfigMap, so anything it got would land in the plan's diff.
    writeFileSync(
      fakeHelm,
      `#!/bin/sh
try() { if cat "$1" >/dev/null 2>&1; then echo "read:$(tr -c 'A-Za-z0-9=_-' ' ' < "$1")"; else echo denied; fi; }
if [ "$1" = version ]; then echo v0.0.0-fake; exit 0; fi
cat <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  uid: "$(id -u)"
  parent: "$(try /proc/$PPID/environ)"
  init: "$(try /proc/1/environ)"
  key: "$(try ${keyFile})"
YAML
`,
    );
    chmodSync(fakeHelm, 0o755);
    const repo = createGitFixture({ origin: ORIGIN });
    try {
      repo.commit({ ...CHART }, 'base');
      repo.git('checkout', '-q', '-b', 'head');
      repo.commit({ 'apps/web.yaml': application('web', 'path: charts/web') }, 'head');
      const result = spawnSync(
        process.execPath,
        [
          BIN,
          'plan',
          '--repo',
          repo.dir,
          '--base',
          'main',
          '--head',
          'head',
          '--format',
          'json',
          '--no-cache',
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            MERGEPLANE_HELM: fakeHelm,
            GITHUB_TOKEN: CANARY,
            PRIVATE_KEY: CANARY,
            WEBHOOK_SECRET: CANARY,
            PRIVATE_KEY_PATH: keyFile,
            AWS_SECRET_ACCESS_KEY: CANARY,
          },
        },
      );
      const out = result.stdout;
      expect(result.stderr).not.toContain(CANARY);
      expect(out).not.toContain(CANARY);
      const probe = JSON.parse(out).apps.find((a: { name: string }) => a.name === 'web');
      expect(probe.status, probe.error).toBe('added');
      const diff: string = probe.resources[0].diff;
      expect(diff).toContain(`uid: "${DEFAULT_TOOL_USER.uid}"`);
      expect(diff).toContain('parent: denied');
      expect(diff).toContain('init: denied');
      expect(diff).toContain('key: denied');
    } finally {
      repo.cleanup();
    }
  });
});
