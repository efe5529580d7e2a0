import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class ToolFailedError extends Error {
  override readonly name = 'ToolFailedError';
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(message: string, exitCode: number | null, stderr: string) {
    super(message);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
}

export class OutputTooLargeError extends Error {
  override readonly name = 'OutputTooLargeError';
}

export interface RunToolOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Extra variables on top of the minimal environment. */
  env?: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
}

const STDERR_LIMIT = 64 * 1024;

/**
 * Runs a render tool without a shell, in a minimal environment: PATH plus a private, throw-away HOME
 * and XDG dirs — no cloud, GitHub or kube credentials of the parent process reach it. The whole process
 * group is killed on timeout or when stdout passes the cap, so a hostile chart cannot hang or flood us.
 */
export async function runTool(options: RunToolOptions): Promise<{ stdout: string; stderr: string }> {
  const home = await mkdtemp(join(tmpdir(), 'mergeplane-tool-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    LANG: 'C.UTF-8',
    ...options.env,
  };
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let stdoutBytes = 0;
      let stderrBytes = 0;
      let failure: Error | undefined;
      const kill = (error: Error) => {
        if (failure) return;
        failure = error;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(
        () => kill(new ToolTimeoutError(`timed out after ${Math.round(options.timeoutMs / 1000)}s`)),
        options.timeoutMs,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > options.maxOutputBytes) {
          kill(new OutputTooLargeError(`output exceeds ${options.maxOutputBytes} bytes`));
          return;
        }
        stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderrBytes < STDERR_LIMIT) stderr.push(chunk);
        stderrBytes += chunk.length;
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const errText = Buffer.concat(stderr).toString('utf8').trim();
        if (failure) return reject(failure);
        if (code !== 0) {
          return reject(new ToolFailedError(errText || `exited with status ${code}`, code, errText));
        }
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: errText });
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
