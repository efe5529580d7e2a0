import { DEFAULT_SLASH_PREFIX, MAX_APPROVE_REASON_LENGTH } from './parse-slash-command.ts';

/** The Markdown the bot posts for `help`, a bare prefix, and unknown commands. */
export function helpText(prefix: string = DEFAULT_SLASH_PREFIX): string {
  const writers = 'users with write access';
  const rows: [string, string, string][] = [
    ['plan', 'Re-run the plan and refresh the plan comment and the `Mergeplane / plan` check.', writers],
    ['diff APP', 'Post the full rendered diff of one application (`name` or `namespace/name`).', writers],
    [
      'approve [reason]',
      `Approve the destructive changes the plan check is waiting on; the optional reason (up to ${MAX_APPROVE_REASON_LENGTH} characters) is recorded.`,
      `${writers}, narrowed by \`approval\` in \`.github/mergeplane.yml\``,
    ],
    [
      'retry',
      'Re-run the failed post-merge delivery jobs (syncs, claims) of this merged pull request.',
      writers,
    ],
    ['help', 'Show this help.', writers],
  ];
  return [
    '#### Mergeplane commands',
    '',
    `Write a command as the first line of a pull-request comment, e.g. \`${prefix} plan\`.`,
    '',
    '| Command | What it does | Who may use it |',
    '| --- | --- | --- |',
    ...rows.map(([command, what, who]) => `| \`${prefix} ${command}\` | ${what} | ${who} |`),
    '',
    `Commands in quotes or code blocks are ignored. \`${prefix}\` alone shows this help.`,
  ].join('\n');
}
