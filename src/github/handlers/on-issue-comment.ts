import type { Context } from 'probot';
import { shortRevision } from '../../model/text.ts';
import type { PlanJobData } from '../../queue/plan-job.ts';
import { isDriftIssueBody } from '../../report/render-drift-issue.ts';
import { helpText } from '../help-text.ts';
import { parseSlashCommand } from '../parse-slash-command.ts';
import type { HandlerDeps } from './handler-deps.ts';

const WRITE_PERMISSIONS = new Set(['admin', 'maintain', 'write']);

export const REFUSAL_TEXT =
  'Sorry, only users with write access to this repository can run Mergeplane commands.';
export const NOT_AVAILABLE_TEXT = 'is not available in this installation of Mergeplane.';
export const CLOSED_TEXT = 'This pull request is closed, so there is nothing to plan.';
export const RETRY_NOT_MERGED_TEXT =
  '`/mergeplane retry` re-runs failed post-merge jobs; this pull request is not merged.';
export const RETRY_NOT_CONFIGURED_TEXT =
  'Post-merge delivery is not configured for this installation of Mergeplane, so there is nothing to retry.';
export const DRIFT_ELSEWHERE_TEXT =
  '`/mergeplane drift` refreshes the drift report: comment it in the "Mergeplane drift report" issue.';
export const RETRY_NOTHING_FAILED_TEXT =
  'Nothing failed: no post-merge job of this pull request needs a retry.';

type SlashCommand = NonNullable<ReturnType<typeof parseSlashCommand>>;
type PullRequest = Awaited<ReturnType<Context['octokit']['rest']['pulls']['get']>>['data'];

/** One slash-command being answered: who asked, where, and how to reply. */
interface CommandRun {
  context: Context<'issue_comment.created'>;
  deps: HandlerDeps;
  log: NonNullable<HandlerDeps['log']>;
  fields: Record<string, unknown>;
  owner: string;
  repo: string;
  pullNumber: number;
  username: string;
  reply(body: string): Promise<void>;
}

/**
 * `issue_comment.created` on pull requests: acknowledges slash-commands with 👀, lets only writers run them,
 * then enqueues a plan (`plan`), records an approval and re-plans (`approve`), enqueues a diff job (`diff`),
 * or re-runs failed delivery jobs of a merged pull request (`retry`). Comments that are not commands cost
 * no API call.
 */
export function createOnIssueComment(
  deps: HandlerDeps,
): (context: Context<'issue_comment.created'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    // Also stops the bot from answering its own help text.
    if (payload.sender.type === 'Bot') return;
    const command = parseSlashCommand(payload.comment.body);
    if (command === undefined) return;
    if (payload.issue.pull_request === undefined) return onDriftIssue(context, deps, command);
    const run = await acknowledge(context, deps, command, 'pullNumber');
    const { owner, repo, pullNumber } = run;
    if (!(await isWriter(run))) return;
    if (!(await isAvailable(run, command))) return;
    const installationId = payload.installation?.id;
    if (installationId === undefined) {
      run.log.warn(run.fields, 'comment event without installation, ignored');
      return;
    }
    if (command.kind === 'drift') return run.reply(DRIFT_ELSEWHERE_TEXT);
    const { data: pr } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
    if (command.kind === 'retry') return retryDelivery(run, pr);
    if (pr.state !== 'open') return run.reply(CLOSED_TEXT);
    const data: PlanJobData = {
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      pullNumber,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      headRef: pr.head.ref,
      trigger: 'comment',
      author: pr.user.login,
    };
    if (command.kind === 'diff') return enqueueDiff(run, data, command.app);
    if (command.kind === 'approve') return recordApproval(run, data, command.reason);
    return enqueuePlan(run, data);
  };
}

/**
 * A command addressed to the bot: the run that answers it (who asked, where, how to reply), after the 👀 reaction
 * that tells the commenter it was picked up. `numberField` names the issue or pull request in the logs.
 */
async function acknowledge(
  context: Context<'issue_comment.created'>,
  deps: HandlerDeps,
  command: SlashCommand,
  numberField: 'pullNumber' | 'issue',
): Promise<CommandRun> {
  const { payload } = context;
  const { owner, repo } = context.repo();
  const number = payload.issue.number;
  // On `created` the sender is the comment's author (`comment.user` is nullable for deleted accounts).
  const username = payload.sender.login;
  await context.octokit.rest.reactions.createForIssueComment({
    owner,
    repo,
    comment_id: payload.comment.id,
    content: 'eyes',
  });
  return {
    context,
    deps,
    log: deps.log ?? context.log,
    fields: {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      [numberField]: number,
      command: command.kind,
      user: username,
    },
    owner,
    repo,
    pullNumber: number,
    username,
    reply: async (body) => {
      await context.octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
    },
  };
}

/**
 * `/mergeplane drift` in the drift report issue (opened by the App, its body starting with the marker): a check
 * now. Comments on other issues are not Mergeplane's and cost no API call.
 */
async function onDriftIssue(
  context: Context<'issue_comment.created'>,
  deps: HandlerDeps,
  command: SlashCommand,
): Promise<void> {
  const { payload } = context;
  if (command.kind !== 'drift' || payload.issue.user.type !== 'Bot' || !isDriftIssueBody(payload.issue.body))
    return;
  const run = await acknowledge(context, deps, command, 'issue');
  const { owner, repo, log, fields, reply } = run;
  if (!(await isWriter(run))) return;
  const installationId = payload.installation?.id;
  if (deps.driftChecker === undefined || installationId === undefined) {
    return reply(`\`/mergeplane drift\` ${NOT_AVAILABLE_TEXT}`);
  }
  await deps.driftChecker.checkNow({
    installationId,
    owner,
    repo,
    trigger: 'command',
    deliveryId: context.id,
  });
  log.info(fields, 'drift check queued');
  await reply('Checking the cluster against the default branch now; this issue will be updated.');
}

/** Only users with write access run commands; the others get a polite refusal. */
async function isWriter(run: CommandRun): Promise<boolean> {
  const { data: access } = await run.context.octokit.rest.repos.getCollaboratorPermissionLevel({
    owner: run.owner,
    repo: run.repo,
    username: run.username,
  });
  if (WRITE_PERMISSIONS.has(access.permission)) return true;
  run.log.info({ ...run.fields, permission: access.permission }, 'slash-command refused');
  await run.reply(`@${run.username} ${REFUSAL_TEXT}`);
  return false;
}

/** Answers `help`, an unknown command and a command this installation lacks; true when it is to be run. */
async function isAvailable(run: CommandRun, command: SlashCommand): Promise<boolean> {
  if (command.kind === 'help') {
    await run.reply(helpText());
    return false;
  }
  if (command.kind === 'unknown') {
    run.log.info({ ...run.fields, reason: command.reason }, 'unknown slash-command');
    await run.reply(`${command.reason}.\n\n${helpText()}`);
    return false;
  }
  const { approvals, enqueueDiff } = run.deps.planQueue;
  if ((command.kind === 'approve' && approvals === undefined) || (command.kind === 'diff' && !enqueueDiff)) {
    await run.reply(`\`/mergeplane ${command.kind}\` ${NOT_AVAILABLE_TEXT}`);
    return false;
  }
  return true;
}

/** `/mergeplane retry`: re-enqueues the failed post-merge jobs of a merged pull request. */
async function retryDelivery(run: CommandRun, pr: PullRequest): Promise<void> {
  if (!pr.merged || pr.merge_commit_sha === null) return run.reply(RETRY_NOT_MERGED_TEXT);
  if (run.deps.deliveryRetrier === undefined) return run.reply(RETRY_NOT_CONFIGURED_TEXT);
  const { retried } = await run.deps.deliveryRetrier.retryFailed({
    owner: run.owner,
    repo: run.repo,
    pullNumber: run.pullNumber,
    mergeSha: pr.merge_commit_sha,
  });
  run.log.info({ ...run.fields, mergeSha: pr.merge_commit_sha, retried }, 'delivery retried');
  await run.reply(
    retried === 0
      ? RETRY_NOTHING_FAILED_TEXT
      : `Re-enqueued ${retried} failed post-merge job${retried === 1 ? '' : 's'} of merge commit \`${shortRevision(pr.merge_commit_sha)}\`.`,
  );
}

/** `/mergeplane diff APP`: the diff job posts its own comment. */
async function enqueueDiff(run: CommandRun, data: PlanJobData, app: string): Promise<void> {
  const enqueue = run.deps.planQueue.enqueueDiff;
  if (!enqueue) return;
  const { jobId, duplicate } = await enqueue({
    ...data,
    trigger: 'diff',
    diff: { app, requestedBy: run.username },
  });
  run.log.info({ ...run.fields, app, jobId, duplicate }, duplicate ? 'diff already queued' : 'diff queued');
}

/** `/mergeplane approve`: tied to the head the approver saw now (a later push does not inherit it unless config says so). */
async function recordApproval(run: CommandRun, data: PlanJobData, reason: string | undefined): Promise<void> {
  const { approvals } = run.deps.planQueue;
  if (approvals === undefined) return;
  await approvals.record(
    { owner: run.owner, repo: run.repo, pullNumber: run.pullNumber },
    {
      user: run.username,
      sha: data.headSha,
      at: new Date().toISOString(),
      ...(reason === undefined ? {} : { reason }),
    },
  );
  const { jobId, duplicate } = await run.deps.planQueue.enqueue({ ...data, trigger: 'approve' });
  run.log.info({ ...run.fields, headSha: data.headSha, jobId, duplicate }, 'approval recorded');
  await run.reply(
    `Recorded the approval of @${run.username} for commit \`${shortRevision(data.headSha)}\`; the plan check is re-evaluated with it. Whether it counts is decided by \`approval\` in \`.github/mergeplane.yml\` on the base branch.`,
  );
}

/**
 * `/mergeplane plan`: every command gets an answer — an unchanged plan leaves the sticky comment as it is, so
 * without the reply the user would see nothing but the check run restarting.
 */
async function enqueuePlan(run: CommandRun, data: PlanJobData): Promise<void> {
  const { jobId, duplicate } = await run.deps.planQueue.enqueue(data);
  run.log.info({ ...run.fields, jobId, duplicate }, duplicate ? 'plan already queued' : 'plan queued');
  await run.reply(
    duplicate
      ? `A plan of commit \`${shortRevision(data.headSha)}\` is already queued or running; its result will update the plan comment and the \`Mergeplane / plan\` check.`
      : `Planning commit \`${shortRevision(data.headSha)}\` again; the plan comment and the \`Mergeplane / plan\` check will update.`,
  );
}
