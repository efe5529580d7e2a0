import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { gatesFailed } from '../gates/evaluate-gates.ts';
import { createRepoCache } from '../git/repo-cache.ts';
import { checkRunFromReport } from '../github/check-run-output.ts';
import { readPullRequestHead } from '../github/pull-request-head.ts';
import { requestStatus } from '../github/request-status.ts';
import type { PlanReport } from '../model/plan-report.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { planPullRequest } from '../plan-job/plan-pull-request.ts';
import { type RunPlanJobDeps, runPlanJob } from '../plan-job/run-plan-job.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import { renderJson } from '../report/render-json.ts';
import { renderMarkdown } from '../report/render-markdown.ts';
import { type ActionEnv, ActionInputError, readActionEnv } from './action-env.ts';
import { pullRequestFromEvent } from './pull-request-event.ts';
import { STEP_SUMMARY_BUDGET, writeActionOutputs, writeStepSummary } from './write-action-outputs.ts';

export interface ActionIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  /** One line, in the runner's workflow-command syntax where it is an error. */
  stderr: (line: string) => void;
  logger: PlanLogger;
}

/** GitHub's own event payloads are at most 25 MB; a larger file is not an event. */
const MAX_EVENT_BYTES = 25 * 1024 * 1024;
/** The GitHub Actions App on github.com: its earlier unfinished run of a head is taken over, no other App's. */
const ACTIONS_APP_ID = 15368;
/** Who the workflow token comments as: only its comments are the sticky plan's parts. */
const ACTIONS_LOGIN = 'github-actions[bot]';

/** A workflow command's message, escaped as the runner expects (`%`, CR, LF), so it stays one command. */
export function commandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

async function readEvent(path: string): Promise<unknown> {
  try {
    if ((await stat(path)).size > MAX_EVENT_BYTES)
      throw new ActionInputError(`${path} is larger than an event`);
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof ActionInputError) throw error;
    throw new ActionInputError(`cannot read the event file ${path}: ${(error as Error).message}`);
  }
}

function jobDeps(env: ActionEnv, logger: PlanLogger): RunPlanJobDeps {
  const octokit = new Octokit({ auth: env.token, baseUrl: env.apiUrl, userAgent: 'mergeplane-action' });
  return {
    octokit,
    token: env.token,
    repoCache: createRepoCache({ dir: join(env.workDir, 'repos'), baseUrl: env.serverUrl }),
    cacheDir: env.cacheDir,
    logger,
    currentHead: (job) => readPullRequestHead(octokit, job),
    appUserLogin: ACTIONS_LOGIN,
    progressIntervalMs: env.progressIntervalMs,
    ...(env.apiUrl === 'https://api.github.com' ? { appId: ACTIONS_APP_ID } : {}),
    ...(env.configPath === undefined ? {} : { configPath: env.configPath }),
    ...(env.configToken === undefined ? {} : { configToken: env.configToken }),
  };
}

interface Outcome {
  report?: PlanReport;
  /** The check run's conclusion, or what it would be (a fork's plan is not published). */
  result: string;
  note?: string;
}

async function planAndPublish(data: PlanJobData, fork: boolean, deps: RunPlanJobDeps): Promise<Outcome> {
  if (fork) {
    const { report } = await planPullRequest(data, deps);
    const result = checkRunFromReport(report, { headSha: data.headSha }).payload.conclusion;
    const note =
      'A pull request from a fork: its workflow token is read-only, so the plan is in this summary and the outputs, not in a comment or check run.';
    return { report, result, note };
  }
  try {
    const published = await runPlanJob(data, deps);
    if (published.report === undefined) {
      // A newer push's run plans the head GitHub now reports; this one published nothing of its own.
      return {
        result: published.conclusion ?? 'cancelled',
        note: `not the pull request's head (${published.outcome})`,
      };
    }
    return { report: published.report, result: published.conclusion ?? 'failure' };
  } catch (error) {
    if (requestStatus(error) === 403) {
      throw new ActionInputError(
        'the workflow token may not publish: give the job `permissions: {contents: read, checks: write, pull-requests: write}`',
      );
    }
    throw error;
  }
}

/**
 * The GitHub Action's entry point: the same plan job as the App, run in the Actions runner with the workflow's
 * token (same fetch of `refs/pull/N/head`, planner, sticky comment and `Mergeplane / plan` check run, same split
 * and budget rules); then the JSON report file, the step outputs (`report`, `result`) and the step summary.
 * Exit status as the CLI's: 0 planned, 1 a gate fails, 2 bad inputs.
 */
export async function runAction(io: ActionIo): Promise<number> {
  let env: ActionEnv;
  let event: ReturnType<typeof pullRequestFromEvent>;
  try {
    env = readActionEnv(io.env);
    event = pullRequestFromEvent(env.eventName, await readEvent(env.eventPath), env.runId);
  } catch (error) {
    if (!(error instanceof ActionInputError)) throw error;
    io.stderr(`::error title=Mergeplane::${commandData(error.message)}`);
    return 2;
  }
  if ('skip' in event) {
    io.stderr(`mergeplane: ${event.skip}; nothing to plan`);
    await writeActionOutputs(env.outputFile, { result: 'skipped' });
    return 0;
  }
  await mkdir(env.workDir, { recursive: true });
  let outcome: Outcome;
  try {
    outcome = await planAndPublish(event.plan, event.fork, jobDeps(env, io.logger));
  } catch (error) {
    // The check run (when there is one) already says why; the job log gets it as one error line too.
    const message = error instanceof ActionInputError ? error.message : `the plan failed: ${String(error)}`;
    io.stderr(`::error title=Mergeplane::${commandData(message)}`);
    return 2;
  }
  if (outcome.note !== undefined) io.stderr(`::notice title=Mergeplane::${commandData(outcome.note)}`);
  const { report } = outcome;
  if (report === undefined) {
    await writeActionOutputs(env.outputFile, { result: outcome.result });
    return 0;
  }
  const reportPath = join(env.workDir, 'report.json');
  await writeFile(reportPath, renderJson(report));
  await writeActionOutputs(env.outputFile, { report: reportPath, result: outcome.result });
  const notes = outcome.note === undefined ? [] : [outcome.note];
  await writeStepSummary(env.summaryFile, renderMarkdown(report, { notes, maxLength: STEP_SUMMARY_BUDGET }));
  const text = env.format === 'json' ? renderJson(report) : renderMarkdown(report, { notes });
  // The plan quotes the pull request's content (render errors, diffs): the runner must not read a line of it as a
  // workflow command (`::error`, `::add-mask::`), so commands are off while it is printed.
  const resume = randomBytes(16).toString('hex');
  io.stdout(`::stop-commands::${resume}\n${text.endsWith('\n') ? text : `${text}\n`}::${resume}::\n`);
  return gatesFailed(report.gates) ? 1 : 0;
}
