import { DEFAULT_SLASH_PREFIX, MAX_APPROVE_REASON_LENGTH } from './parse-slash-command.ts';

/** The Markdown the bot posts for `help`, a bare prefix, and unknown commands. */
export function helpText(prefix: string = DEFAULT_SLASH_PREFIX): string {
  const writers = 'users with write access';
  const rows: [string, string, string][] = [
    [
      'plan',
      'Plan the head commit again: refreshes the plan comment and the `Mergeplane / plan` check.',
      writers,
    ],
    [
      'diff APP',
      'Post the complete rendered diff of one application (`name`, or `namespace/name` when the name is not unique) as its own comment, split into parts when long. An unknown name is answered with the affected applications.',
      writers,
    ],
    [
      'approve [reason]',
      `Approve the changes the plan check waits on (destructive changes, apps that cannot be rendered offline) for the current head commit; new commits dismiss the approval unless \`approval.dismissOnNewCommits\` is off. The optional reason (up to ${MAX_APPROVE_REASON_LENGTH} characters) is shown with the approval. Failing gates cannot be approved.`,
      `${writers}; narrowed to \`approval.users\` / \`approval.teams\` when set; not the pull request's author unless \`approval.allowAuthorSelfApproval\` (rules read from \`.github/mergeplane.yml\` on the base branch)`,
    ],
    [
      'retry',
      'On a merged pull request: re-run its failed post-merge jobs (syncs, claims) and say how many were re-enqueued.',
      writers,
    ],
    [
      'drift',
      'In the "Mergeplane drift report" issue (`drift.enabled`): check the cluster against the default branch now and update the issue.',
      writers,
    ],
    ['help', 'Show this help.', writers],
  ];
  return [
    '#### Mergeplane commands',
    '',
    `Write a command as the first line of a pull-request comment, e.g. \`${prefix} plan\`. The bot reacts with 👀 when it picks a command up.`,
    '',
    '| Command | What it does | Who may use it |',
    '| --- | --- | --- |',
    ...rows.map(([command, what, who]) => `| \`${prefix} ${command}\` | ${what} | ${who} |`),
    '',
    `Commands in quotes or code blocks are ignored. \`${prefix}\` alone shows this help. Re-running the \`Mergeplane / plan\` check from the Checks tab also plans again.`,
  ].join('\n');
}
