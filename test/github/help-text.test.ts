import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/github/help-text.ts';
import { parseSlashCommand } from '../../src/github/parse-slash-command.ts';

describe('helpText', () => {
  it('documents every command the parser accepts, each of which parses as itself', () => {
    const text = helpText();
    const commands = [...text.matchAll(/^\| `(\/mergeplane [^`]+)` \|/gm)].map((m) => m[1] ?? '');
    expect(commands).toEqual([
      '/mergeplane plan',
      '/mergeplane diff APP',
      '/mergeplane approve [reason]',
      '/mergeplane retry',
      '/mergeplane drift',
      '/mergeplane help',
    ]);
    const examples = [
      '/mergeplane plan',
      '/mergeplane diff web',
      '/mergeplane approve ok',
      '/mergeplane retry',
      '/mergeplane drift',
      '/mergeplane help',
    ];
    expect(examples.map((c) => parseSlashCommand(c)?.kind)).toEqual([
      'plan',
      'diff',
      'approve',
      'retry',
      'drift',
      'help',
    ]);
  });

  it('names the approval rules and where they are read from', () => {
    const text = helpText();
    for (const key of [
      'approval.users',
      'approval.teams',
      'approval.allowAuthorSelfApproval',
      'approval.dismissOnNewCommits',
    ]) {
      expect(text).toContain(key);
    }
    expect(text).toContain('on the base branch');
  });
});
