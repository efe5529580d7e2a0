import { join } from 'node:path';
import { isRepositoryPath } from '../config/config-extends.ts';
import { parseUrl, read, ServerEnvError } from '../server/env-reading.ts';
import { loadProgressInterval } from '../server/worker-env.ts';

/** A workflow input or a runner variable is missing or invalid: one line, exit 2. */
export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
}

export type ActionFormat = 'markdown' | 'json';

/** What the Action reads from the runner's environment (the composite action maps its inputs to `INPUT_*`). */
export interface ActionEnv {
  eventName: string;
  eventPath: string;
  token: string;
  /** Input `config-token`: reads the repositories `_extends` names (the workflow's token reads only its own). */
  configToken?: string;
  /** REST root: `https://api.github.com`, or `https://HOST/api/v3` on GitHub Enterprise Server. */
  apiUrl: string;
  /** Where git is served: `https://github.com`, or `https://HOST`. */
  serverUrl: string;
  /** The runner's scratch directory for clones, renders and the JSON report. */
  workDir: string;
  /** Render cache (`MERGEPLANE_CACHE_DIR`, e.g. restored by actions/cache); default under `workDir`. */
  cacheDir: string;
  outputFile?: string;
  summaryFile?: string;
  /** Input `config`: the config's path in the repository, read at the base. */
  configPath?: string;
  /** Input `format`: what the job log gets on stdout. */
  format: ActionFormat;
  /** MERGEPLANE_PROGRESS_INTERVAL_MS, as for the App: how often the running check run shows the progress. */
  progressIntervalMs: number;
  /** `GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT`: the run, in logs where the App logs the delivery id. */
  runId: string;
}

/** Blank counts as unset, as for the server's variables; values are trimmed. */
const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => read(env, name)?.trim();

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const found = value(env, name);
  if (found === undefined) throw new ActionInputError(`${name} is not set (${hint})`);
  return found;
}

/** An http(s) URL (the runner's API and server URLs), without a trailing slash. */
function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = value(env, name) ?? fallback;
  parseUrl(name, raw, ['https:', 'http:']);
  return raw.replace(/\/+$/, '');
}

/** Reads and checks the runner's variables and the Action's inputs; names the variable that is wrong. */
export function readActionEnv(env: NodeJS.ProcessEnv): ActionEnv {
  try {
    return loadActionEnv(env);
  } catch (error) {
    // The server's readers (URLs, the progress interval) name the variable the same way.
    if (error instanceof ServerEnvError) throw new ActionInputError(error.message);
    throw error;
  }
}

function loadActionEnv(env: NodeJS.ProcessEnv): ActionEnv {
  const format = value(env, 'INPUT_FORMAT') ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') {
    throw new ActionInputError(`input format must be markdown or json, got ${JSON.stringify(format)}`);
  }
  const workDir = join(required(env, 'RUNNER_TEMP', 'set by the Actions runner'), 'mergeplane');
  const configPath = value(env, 'INPUT_CONFIG');
  if (configPath !== undefined && !isRepositoryPath(configPath)) {
    throw new ActionInputError(
      `input config ${JSON.stringify(configPath)} is not a path inside the repository`,
    );
  }
  const outputFile = value(env, 'GITHUB_OUTPUT');
  const configToken = value(env, 'INPUT_CONFIG_TOKEN');
  const summaryFile = value(env, 'GITHUB_STEP_SUMMARY');
  return {
    progressIntervalMs: loadProgressInterval(env),
    eventName: required(env, 'GITHUB_EVENT_NAME', 'set by the Actions runner'),
    eventPath: required(env, 'GITHUB_EVENT_PATH', 'set by the Actions runner'),
    token: required(env, 'GITHUB_TOKEN', 'the action input token, default github.token'),
    apiUrl: httpUrl(env, 'GITHUB_API_URL', 'https://api.github.com'),
    serverUrl: httpUrl(env, 'GITHUB_SERVER_URL', 'https://github.com'),
    workDir,
    cacheDir: value(env, 'MERGEPLANE_CACHE_DIR') ?? join(workDir, 'render'),
    format,
    runId: `${value(env, 'GITHUB_RUN_ID') ?? 'local'}-${value(env, 'GITHUB_RUN_ATTEMPT') ?? '1'}`,
    ...(configPath === undefined ? {} : { configPath }),
    ...(outputFile === undefined ? {} : { outputFile }),
    ...(configToken === undefined ? {} : { configToken }),
    ...(summaryFile === undefined ? {} : { summaryFile }),
  };
}
