import { writeFile } from 'node:fs/promises';
import { createCliLogger } from './cli/create-cli-logger.ts';
import { directoryConfigReader } from './cli/directory-config-reader.ts';
import { parsePlanArgs } from './cli/parse-plan-args.ts';
import { createPlanProgressBar } from './cli/plan-progress-bar.ts';
import { processStopSignal, runServerCommand, SERVER_USAGE, WORKER_USAGE } from './cli/run-server-command.ts';
import { UsageError } from './cli/usage-error.ts';
import { PlanInputError, planChange } from './engine/plan-change.ts';
import { gatesFailed } from './gates/evaluate-gates.ts';
import { GitCommandError, NotAGitRepositoryError, UnknownRefError } from './git/git-repository.ts';
import { renderJson } from './report/render-json.ts';
import { renderMarkdown } from './report/render-markdown.ts';

const SETUP_APP_USAGE =
  'usage: mergeplane setup-app --webhook-url URL [--org ORG] [--name NAME] [--port PORT] [--dir DIR]';

const USAGE = `usage: mergeplane plan --repo DIR --base REF --head REF [--format markdown|json] [--config FILE] [--out FILE]
                       [--cache-dir DIR | --no-cache] [--config-extends DIR] [--quiet]

Renders every Argo CD application affected between two revisions of a local git repository
and prints the plan (the pull-request comment in Markdown, or the JSON report). On a terminal, stderr shows
the progress (phase, affected apps rendered, time left) unless --quiet.
Exit status: 0 planned, 1 a gate fails, 2 bad usage or unreadable input.
Environment: MERGEPLANE_HELM, MERGEPLANE_KUBECTL (tool paths), MERGEPLANE_CACHE_DIR, MERGEPLANE_LOG_LEVEL.

       ${SERVER_USAGE.slice('usage: '.length)}
       ${WORKER_USAGE.slice('usage: '.length)}

Runs the GitHub App: \`server\` serves the webhook endpoint, /healthz and /metrics and, unless --no-worker,
the queue workers in the same process; \`worker\` runs the workers alone (start several to scale out).
Configured from the environment (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, REDIS_URL,
GHE_HOST, ...; see .env.example). Stops gracefully on SIGTERM/SIGINT. Exit 2: bad environment.

       ${SETUP_APP_USAGE.slice('usage: '.length)}

Registers the GitHub App from app.yml through GitHub's manifest flow (a page on 127.0.0.1:PORT, default 3000)
and writes its id, private key and webhook secret to DIR/.env and two files (GHE_HOST for GitHub Enterprise Server).

       mergeplane action

Runs in a GitHub Actions job on a pull_request event (action.yml): plans the pull request and publishes the
comment and check run with the workflow's token. Exit status as for plan.`;

const COMMAND_USAGE: Record<string, string> = {
  server: SERVER_USAGE,
  worker: WORKER_USAGE,
  'setup-app': SETUP_APP_USAGE,
};

/** Errors that mean "bad input", answered with one line on stderr and exit 2. */
function isInputError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof PlanInputError ||
    error instanceof NotAGitRepositoryError ||
    error instanceof UnknownRefError ||
    error instanceof GitCommandError
  );
}

async function runPlan(argv: string[]): Promise<number> {
  const args = parsePlanArgs(argv);
  const bar = createPlanProgressBar(process.stderr, { quiet: args.quiet });
  const report = await planChange({
    repoDir: args.repo,
    base: args.base,
    head: args.head,
    ...(args.config !== undefined ? { configFile: args.config } : {}),
    ...(args.configExtends !== undefined ? { configExtends: directoryConfigReader(args.configExtends) } : {}),
    cacheDir: args.noCache ? false : args.cacheDir,
    sourceDirs: args.sources,
    logger: createCliLogger(process.env),
    progress: bar.progress,
  }).finally(() => bar.stop());
  const text = args.format === 'json' ? renderJson(report) : renderMarkdown(report);
  if (args.out !== undefined) await writeFile(args.out, text);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return gatesFailed(report.gates) ? 1 : 0;
}

/** CLI entry: returns the exit status instead of exiting, so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'plan':
        return await runPlan(rest);
      case 'setup-app':
        // Loaded here, not at the top: `mergeplane plan` should not pay for Octokit and the plan job.
        return await (await import('./cli/run-setup-app.ts')).runSetupApp(rest, {
          env: process.env,
          stdout: (line) => process.stdout.write(`${line}\n`),
        });
      case 'action':
        return await (await import('./action/run-action.ts')).runAction({
          env: process.env,
          stdout: (text) => process.stdout.write(text),
          stderr: (line) => process.stderr.write(`${line}\n`),
          logger: createCliLogger(process.env),
        });
      case 'server':
      case 'worker': {
        const status = await runServerCommand(command, rest, {
          env: process.env,
          stderr: (line) => process.stderr.write(`${line}\n`),
          stopSignal: processStopSignal,
        });
        // Everything was closed; should a library still hold a handle, do not hang the orchestrator's stop.
        setTimeout(() => process.exit(status), 5_000).unref();
        return status;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (isInputError(error)) {
      process.stderr.write(`mergeplane: ${error.message.split('\n')[0]}\n`);
      if (error instanceof UsageError) {
        process.stderr.write(`${COMMAND_USAGE[command ?? ''] ?? USAGE.split('\n')[0]}\n`);
      }
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mergeplane: internal error: ${message.split('\n')[0]}\n`);
    if (process.env.MERGEPLANE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
