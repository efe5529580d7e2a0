import type { Context } from 'probot';
import { helpText } from '../help-text.ts';
import { parseSlashCommand } from '../parse-slash-command.ts';
import type { HandlerDeps } from './handler-deps.ts';

const WRITE_PERMISSIONS = new Set(['admin', 'maintain', 'write']);

export const REFUSAL_TEXT =
  'Sorry, only users with write access to this repository can run Mergeplane commands.';
export const NOT_AVAILABLE_TEXT = 'is not available yet in this version of Mergeplane.';
export const CLOSED_TEXT = 'This pull request is closed, so there is nothing to plan.';

/**
 * `issue_comment.created` on pull requests: acknowledges slash-commands with 👀, lets only writers run them,
 * and enqueues `plan`. Comments that are not commands cost no API call.
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

    switch (command.kind) {
      case 'help':
        await reply(helpText());
        return;
      case 'unknown':
        log.info({ ...fields, reason: command.reason }, 'unknown slash-command');
        await reply(`${command.reason}.\n\n${helpText()}`);
        return;
      case 'diff':
      case 'approve':
      case 'retry':
        await reply(`\`/mergeplane ${command.kind}\` ${NOT_AVAILABLE_TEXT}`);
        return;
      case 'plan':
        break;
    }

    const installationId = payload.installation?.id;
    if (installationId === undefined) {
      log.warn(fields, 'comment event without installation, ignored');
      return;
    }
    const { data: pr } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
    if (pr.state !== 'open') {
      await reply(CLOSED_TEXT);
      return;
    }
    const { jobId, duplicate } = await deps.planQueue.enqueue({
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      pullNumber,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      headRef: pr.head.ref,
      trigger: 'comment',
    });
    log.info({ ...fields, jobId, duplicate }, duplicate ? 'plan already queued' : 'plan queued');
  };
}
