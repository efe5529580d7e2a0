import { parseArgs } from 'node:util';
import { loadServerEnv, type ServerEnv, ServerEnvError } from '../server/server-env.ts';
import type { RunningMergeplane, startServer, startWorkers } from '../server/start-server.ts';
import { StartupError } from '../server/startup-error.ts';
import { UsageError } from './usage-error.ts';

export const SERVER_USAGE = 'usage: mergeplane server [--no-worker]';
export const WORKER_USAGE = 'usage: mergeplane worker [--no-http]';

export interface ServerCommandIo {
  env: NodeJS.ProcessEnv;
  stderr: (line: string) => void;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: () => Promise<string>;
  start?: {
    server: typeof startServer;
    workers: typeof startWorkers;
  };
}

/** A startup failure the user can fix (port taken, address not available): one line, exit 2. */
function listenProblem(error: unknown, env: ServerEnv): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'EADDRINUSE') return `PORT: ${env.port} is already in use on ${env.host}`;
  if (code === 'EACCES') return `PORT: no permission to listen on ${env.host}:${env.port}`;
  if (code === 'EADDRNOTAVAIL') return `HOST: ${env.host} is not an address of this machine`;
  return undefined;
}

function parse(command: 'server' | 'worker', argv: string[]): { worker: boolean; http: boolean } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options:
        command === 'server' ? { 'no-worker': { type: 'boolean' } } : { 'no-http': { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    return { worker: values['no-worker'] !== true, http: values['no-http'] !== true };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

/**
 * `mergeplane server` (webhooks + workers, or webhooks alone with --no-worker) and `mergeplane worker`
 * (workers alone, with /healthz and /metrics unless --no-http). Runs until a stop signal, then shuts down
 * gracefully and returns 0. A bad environment is one line `mergeplane: VARIABLE: reason` and 2.
 */
export async function runServerCommand(
  command: 'server' | 'worker',
  argv: string[],
  io: ServerCommandIo,
): Promise<number> {
  const flags = parse(command, argv);
  let env: ServerEnv;
  try {
    env = loadServerEnv(io.env);
  } catch (error) {
    if (error instanceof ServerEnvError) {
      io.stderr(`mergeplane: ${error.message.split('\n')[0]}`);
      return 2;
    }
    throw error;
  }
  // Loaded here, not at the top: `mergeplane plan` should not pay for Probot, BullMQ and ioredis.
  let start = io.start;
  if (start === undefined) {
    const loaded = await import('../server/start-server.ts');
    start = { server: loaded.startServer, workers: loaded.startWorkers };
  }
  let running: RunningMergeplane;
  try {
    running =
      command === 'server'
        ? await start.server({ env, ...(flags.worker ? {} : { workers: [] }) })
        : await start.workers({ env, http: flags.http });
  } catch (error) {
    if (error instanceof StartupError) {
      io.stderr(`mergeplane: ${error.message.split('\n')[0]}`);
      return 2;
    }
    const problem = listenProblem(error, env);
    if (problem === undefined) throw error;
    io.stderr(`mergeplane: ${problem}`);
    return 2;
  }
  const signal = await io.stopSignal();
  running.logger.info({ signal }, 'stop signal received');
  await running.close();
  return 0;
}

/** The first of SIGTERM / SIGINT; a second one exits at once (shutdown is taking too long for the operator). */
export function processStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
