import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chownTree, executableFor, findPrlimit, scratchRoot, type ToolSandbox } from './tool-sandbox.ts';

export interface RunToolOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Added on top of the minimal environment (wins over it). */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Cap on stdout; stderr keeps only its first STDERR_KEEP_BYTES. */
  maxOutputBytes: number;
  /** Memory limit and user for tools that run repository content. */
  sandbox?: ToolSandbox;
  /** Scratch directory the tool may write (handed to the sandbox user with its temp home). */
  workDir?: string;
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** The tool exited non-zero; `stderr` is trimmed. */
export class ToolFailedError extends Error {
  override readonly name = 'ToolFailedError';
  readonly tool: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  constructor(tool: string, exitCode: number | null, signal: NodeJS.Signals | null, stderr: string) {
    const how = exitCode !== null ? `exited with code ${exitCode}` : `was killed by ${signal ?? 'a signal'}`;
    // The tool's own words are the message; the exit code is a field.
    super(stderr || `${tool} ${how}`);
    this.tool = tool;
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = stderr;
  }
}

export class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
  readonly tool: string;
  readonly timeoutMs: number;
  constructor(tool: string, timeoutMs: number) {
    super(`${tool} did not finish within ${formatDuration(timeoutMs)}`);
    this.tool = tool;
    this.timeoutMs = timeoutMs;
  }
}

export class OutputTooLargeError extends Error {
  override readonly name = 'OutputTooLargeError';
  readonly tool: string;
  readonly maxOutputBytes: number;
  constructor(tool: string, maxOutputBytes: number) {
    super(`${tool} output exceeded the limit of ${maxOutputBytes} bytes`);
    this.tool = tool;
    this.maxOutputBytes = maxOutputBytes;
  }
}

/** The tool ran out of the memory its kernel limit allows (render.maxMemoryBytes). */
export class MemoryLimitExceededError extends Error {
  override readonly name = 'MemoryLimitExceededError';
  readonly tool: string;
  readonly maxMemoryBytes: number;
  constructor(tool: string, maxMemoryBytes: number) {
    super(`${tool} exceeded the memory limit of ${maxMemoryBytes} bytes`);
    this.tool = tool;
    this.maxMemoryBytes = maxMemoryBytes;
  }
}

/**
 * How a process says it hit RLIMIT_DATA: Go's runtime ("fatal error: out of memory", "runtime: out of memory")
 * or libc's ENOMEM text. The exit status alone cannot tell it from any other crash.
 */
const OUT_OF_MEMORY = /\bout of memory\b|cannot allocate memory/i;

const STDERR_KEEP_BYTES = 64 * 1024;

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The environment a tool sees: PATH plus home/config/cache/data directories inside `home`. Nothing else from
 * the parent, so credentials (KUBECONFIG, AWS_*, GITHUB_*, registry logins) never reach a tool that renders
 * pull-request content.
 */
function minimalEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'helm', 'config'),
    HELM_CACHE_HOME: join(home, 'helm', 'cache'),
    HELM_DATA_HOME: join(home, 'helm', 'data'),
    HELM_PLUGINS: join(home, 'helm', 'plugins'),
    HELM_REGISTRY_CONFIG: join(home, 'helm', 'config', 'registry', 'config.json'),
    HELM_REPOSITORY_CONFIG: join(home, 'helm', 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(home, 'helm', 'cache', 'repository'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    LANG: 'C',
    // Mergeplane runs renders side by side itself (render.concurrency, render workers): a Go tool spreading one
    // render's garbage collection over every core only adds coordination (kustomize: 13% more CPU, no faster).
    GOMAXPROCS: '1',
  };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // Negative pid: the whole process group, so helpers the tool started (git, plugins) die with it.
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs a tool without a shell, in its own process group, with a minimal environment and a fresh temp home
 * (removed afterwards); with a sandbox, under a kernel memory limit and as another user. Rejects with
 * ToolFailedError, ToolTimeoutError, OutputTooLargeError or MemoryLimitExceededError.
 */
export async function runTool(o: RunToolOptions): Promise<ToolOutput> {
  const tool = basename(o.command);
  const { maxMemoryBytes, user } = o.sandbox ?? {};
  const home = await mkdtemp(join(await scratchRoot(user), 'mergeplane-tool-'));
  try {
    await mkdir(join(home, 'helm', 'plugins'), { recursive: true });
    if (user) {
      await chownTree(home, user);
      if (o.workDir !== undefined) await chownTree(o.workDir, user);
    }
    const binary = user ? await executableFor(o.command) : o.command;
    // prlimit sets the limit on itself and execs the tool: same pid, so the group kill below still reaches it.
    const [command, args] =
      maxMemoryBytes !== undefined
        ? [findPrlimit(), [`--data=${maxMemoryBytes}`, '--', binary, ...o.args]]
        : [binary, o.args];
    return await new Promise<ToolOutput>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: o.cwd,
        env: { ...minimalEnv(home), ...o.env },
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let stdoutBytes = 0;
      let stderrBytes = 0;
      let failure: Error | undefined;
      const fail = (error: Error) => {
        if (failure) return;
        failure = error;
        killGroup(child.pid);
      };
      const timer = setTimeout(() => fail(new ToolTimeoutError(tool, o.timeoutMs)), o.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        if (failure) return;
        stdoutBytes += chunk.length;
        if (stdoutBytes > o.maxOutputBytes) {
          fail(new OutputTooLargeError(tool, o.maxOutputBytes));
          return;
        }
        stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderrBytes >= STDERR_KEEP_BYTES) return;
        stderr.push(chunk.subarray(0, STDERR_KEEP_BYTES - stderrBytes));
        stderrBytes += chunk.length;
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(failure ?? new ToolFailedError(tool, null, null, error.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        // A tool that exits while a child it started still holds the pipes: don't leave that child behind.
        killGroup(child.pid);
        if (failure) {
          reject(failure);
          return;
        }
        const err = Buffer.concat(stderr).toString('utf8');
        if (code !== 0 && maxMemoryBytes !== undefined && OUT_OF_MEMORY.test(err)) {
          reject(new MemoryLimitExceededError(tool, maxMemoryBytes));
          return;
        }
        if (code !== 0) {
          reject(new ToolFailedError(tool, code, signal, err.trim()));
          return;
        }
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err.trim() });
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
