import type { Context } from 'probot';
import { shortRevision } from '../../model/text.ts';
import type { PlanJobData } from '../../queue/plan-job.ts';
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
export const RETRY_NOTHING_FAILED_TEXT =
  'Nothing failed: no post-merge job of this pull request needs a retry.';

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
    if (payload.issue.pull_request === undefined || payload.sender.type === 'Bot') return;
    const command = parseSlashCommand(payload.comment.body);
    if (command === undefined) return;

    const log = deps.log ?? context.log;
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    const pullNumber = payload.issue.number;
    // On `created` the sender is the comment's author (`comment.user` is nullable for deleted accounts).
    const username = payload.sender.login;
    const fields = {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      pullNumber,
      command: command.kind,
      user: username,
    };
    const reply = async (body: string) => {
      await context.octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body });
    };

    await context.octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: payload.comment.id,
      content: 'eyes',
    });
    const { data: access } = await context.octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username,
    });
    if (!WRITE_PERMISSIONS.has(access.permission)) {
      log.info({ ...fields, permission: access.permission }, 'slash-command refused');
      await reply(`@${username} ${REFUSAL_TEXT}`);
      return;
    }

    if (command.kind === 'help') {
      await reply(helpText());
      return;
    }
    if (command.kind === 'unknown') {
      log.info({ ...fields, reason: command.reason }, 'unknown slash-command');
      await reply(`${command.reason}.\n\n${helpText()}`);
      return;
    }
    const { approvals, enqueueDiff } = deps.planQueue;
    if (
      (command.kind === 'approve' && approvals === undefined) ||
      (command.kind === 'diff' && !enqueueDiff)
    ) {
      await reply(`\`/mergeplane ${command.kind}\` ${NOT_AVAILABLE_TEXT}`);
      return;
    }

    const installationId = payload.installation?.id;
    if (installationId === undefined) {
      log.warn(fields, 'comment event without installation, ignored');
      return;
    }
    const { data: pr } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });

    if (command.kind === 'retry') {
      if (!pr.merged || pr.merge_commit_sha === null) {
        await reply(RETRY_NOT_MERGED_TEXT);
        return;
      }
      if (deps.deliveryRetrier === undefined) {
        await reply(RETRY_NOT_CONFIGURED_TEXT);
        return;
      }
      const { retried } = await deps.deliveryRetrier.retryFailed({
        owner,
        repo,
        pullNumber,
        mergeSha: pr.merge_commit_sha,
      });
      log.info({ ...fields, mergeSha: pr.merge_commit_sha, retried }, 'delivery retried');
      await reply(
        retried === 0
          ? RETRY_NOTHING_FAILED_TEXT
          : `Re-enqueued ${retried} failed post-merge job${retried === 1 ? '' : 's'} of merge commit \`${shortRevision(pr.merge_commit_sha)}\`.`,
      );
      return;
    }

    if (pr.state !== 'open') {
      await reply(CLOSED_TEXT);
      return;
    }
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

    if (command.kind === 'diff' && enqueueDiff) {
      const { jobId, duplicate } = await enqueueDiff({
        ...data,
        trigger: 'diff',
        diff: { app: command.app, requestedBy: username },
      });
      log.info(
        { ...fields, app: command.app, jobId, duplicate },
        duplicate ? 'diff already queued' : 'diff queued',
      );
      return;
    }

    if (command.kind === 'approve' && approvals !== undefined) {
      // Tied to the head the approver saw now: a later push does not inherit it (unless config says so).
      await approvals.record(
        { owner, repo, pullNumber },
        {
          user: username,
          sha: pr.head.sha,
          at: new Date().toISOString(),
          ...(command.reason === undefined ? {} : { reason: command.reason }),
        },
      );
      const { jobId, duplicate } = await deps.planQueue.enqueue({ ...data, trigger: 'approve' });
      log.info({ ...fields, headSha: pr.head.sha, jobId, duplicate }, 'approval recorded');
      await reply(
        `Recorded the approval of @${username} for commit \`${shortRevision(pr.head.sha)}\`; the plan check is re-evaluated with it. Whether it counts is decided by \`approval\` in \`.github/mergeplane.yml\` on the base branch.`,
      );
      return;
    }

    const { jobId, duplicate } = await deps.planQueue.enqueue(data);
    log.info({ ...fields, jobId, duplicate }, duplicate ? 'plan already queued' : 'plan queued');
    // Every command gets an answer: an unchanged plan leaves the sticky comment as it is, so without this
    // reply the user would see nothing but the check run restarting.
    await reply(
      duplicate
        ? `A plan of commit \`${shortRevision(pr.head.sha)}\` is already queued or running; its result will update the plan comment and the \`Mergeplane / plan\` check.`
        : `Planning commit \`${shortRevision(pr.head.sha)}\` again; the plan comment and the \`Mergeplane / plan\` check will update.`,
    );
  };
}
