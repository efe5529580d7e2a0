import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  OutputTooLargeError,
  runTool,
  ToolFailedError,
  ToolTimeoutError,
} from '../../src/render/run-tool.ts';
import { DEFAULT_TOOL_USER } from '../../src/render/tool-sandbox.ts';
import { rejection } from './render-fixture.ts';

/** Running or sleeping; a zombie (killed, not yet reaped by whatever init the sandbox has) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('runTool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-run-tool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const base = { cwd: dir, timeoutMs: 5_000, maxOutputBytes: 1024 * 1024 };

  afterEach(() => {
    delete process.env.MERGEPLANE_TEST_SECRET;
  });

  it('returns stdout and stderr of a successful run', async () => {
    const command = script('ok.sh', 'echo out; echo err >&2');
    await expect(runTool({ ...base, command, args: [] })).resolves.toEqual({
      stdout: 'out\n',
      stderr: 'err',
    });
  });

  it('reports a non-zero exit with its stderr', async () => {
    const command = script('fail.sh', 'echo broken thing >&2; exit 3');
    const error = await rejection(runTool({ ...base, command, args: [] }));
    expect(error).toBeInstanceOf(ToolFailedError);
    expect((error as ToolFailedError).exitCode).toBe(3);
    expect(error.message).toBe('broken thing');
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    // The child forks a grandchild that would outlive a plain kill of the direct child.
    const command = script('sleep.sh', `sleep 30 & echo $! > ${pidFile}; wait`);
    const error = await rejection(runTool({ ...base, command, args: [], timeoutMs: 300 }));
    expect(error).toBeInstanceOf(ToolTimeoutError);
    expect((error as ToolTimeoutError).timeoutMs).toBe(300);
    expect(existsSync(pidFile)).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    expect(await waitUntilDead(grandchild)).toBe(true);
  });

  it('stops a tool whose output passes the cap', async () => {
    const command = script('flood.sh', 'yes mergeplane');
    const error = await rejection(runTool({ ...base, command, args: [], maxOutputBytes: 64 * 1024 }));
    expect(error).toBeInstanceOf(OutputTooLargeError);
  });

  it('runs in a minimal environment without the parent’s variables', async () => {
    process.env.MERGEPLANE_TEST_SECRET = 'hunter2-do-not-leak';
    const { stdout } = await runTool({ ...base, command: '/usr/bin/env', args: [], env: { EXTRA: 'yes' } });
    expect(stdout).not.toContain('MERGEPLANE_TEST_SECRET');
    expect(stdout).not.toContain('hunter2-do-not-leak');
    const vars = new Map(
      stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    expect(vars.get('EXTRA')).toBe('yes');
    expect(vars.get('PATH')).toBe(process.env.PATH);
    expect(vars.get('HOME')).not.toBe(process.env.HOME);
    // One render is one thread of Go: Mergeplane runs renders side by side itself.
    expect(vars.get('GOMAXPROCS')).toBe('1');
    // Whatever else the tool sees is set by runTool itself, never copied from the parent (PATH aside).
    for (const [key, value] of vars) {
      if (key === 'PATH' || key === 'LANG' || key === 'GOMAXPROCS') continue;
      if (process.env[key] !== undefined) expect(value, key).not.toBe(process.env[key]);
    }
    // The throw-away HOME is gone after the run.
    expect(existsSync(vars.get('HOME') ?? '/')).toBe(false);
  });

  it('rejects when the command cannot be started', async () => {
    await expect(runTool({ ...base, command: join(dir, 'missing'), args: [] })).rejects.toThrow(/ENOENT/);
  });
});

describe.runIf(process.getuid?.() === 0)('runTool with a sandbox user', () => {
  it('runs a tool that lives under a private directory (a 0700 CI workspace) as the sandbox user', async () => {
    const privateDir = mkdtempSync(join(tmpdir(), 'mergeplane-private-'));
    try {
      chmodSync(privateDir, 0o700);
      const command = join(privateDir, 'whoami.sh');
      writeFileSync(command, '#!/bin/sh\nid -u\n');
      chmodSync(command, 0o755);
      const work = mkdtempSync(join(tmpdir(), 'mergeplane-work-'));
      const { stdout } = await runTool({
        command,
        args: [],
        cwd: work,
        workDir: work,
        timeoutMs: 5_000,
        maxOutputBytes: 1024,
        sandbox: { user: DEFAULT_TOOL_USER, maxMemoryBytes: 256 * 1024 * 1024 },
      });
      expect(stdout.trim()).toBe(String(DEFAULT_TOOL_USER.uid));
      rmSync(work, { recursive: true, force: true });
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  });
});
