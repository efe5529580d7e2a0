import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/github/help-text.ts';
import {
  InvalidSlashPrefixError,
  parseSlashCommand,
  type SlashCommand,
} from '../../src/github/parse-slash-command.ts';

const unknown = (text: string, reason: string | RegExp) => ({
  kind: 'unknown',
  text,
  reason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
});

describe('parseSlashCommand', () => {
  const commands: [string, string, SlashCommand | ReturnType<typeof unknown>][] = [
    ['plan', '/mergeplane plan', { kind: 'plan' }],
    ['retry', '/mergeplane retry', { kind: 'retry' }],
    ['drift', '/mergeplane drift', { kind: 'drift' }],
    ['help', '/mergeplane help', { kind: 'help' }],
    ['bare prefix means help', '/mergeplane', { kind: 'help' }],
    ['bare prefix with trailing spaces', '/mergeplane   \t', { kind: 'help' }],
    ['prefix is case-insensitive', '/MergePlane plan', { kind: 'plan' }],
    ['verb is case-insensitive', '/mergeplane PLAN', { kind: 'plan' }],
    ['extra whitespace between tokens', '  /mergeplane \t  retry   ', { kind: 'retry' }],
    ['leading blank lines', '\n\n   \n/mergeplane plan', { kind: 'plan' }],
    ['only the first line counts', '/mergeplane plan\nplease /mergeplane retry', { kind: 'plan' }],
    ['CRLF line endings', '\r\n/mergeplane diff web\r\nthanks\r\n', { kind: 'diff', app: 'web' }],
    ['CR-only line endings', '/mergeplane retry\rsecond', { kind: 'retry' }],
    ['leading BOM', '\uFEFF/mergeplane plan', { kind: 'plan' }],
    ['leading zero-width space', '\u200B\n\u200B /mergeplane plan', { kind: 'plan' }],
    ['non-breaking space between tokens', '/mergeplane\u00A0plan', { kind: 'plan' }],
    ['diff with a name', '/mergeplane diff guestbook', { kind: 'diff', app: 'guestbook' }],
    ['diff with dots and dashes', '/mergeplane diff web-1.prod-eu', { kind: 'diff', app: 'web-1.prod-eu' }],
    ['diff with namespace/name', '/mergeplane diff team-a/web', { kind: 'diff', app: 'team-a/web' }],
    ['diff verb uppercase, app kept', '/mergeplane DIFF web', { kind: 'diff', app: 'web' }],
    ['approve without reason', '/mergeplane approve', { kind: 'approve' }],
    ['approve with trailing spaces', '/mergeplane approve   ', { kind: 'approve' }],
    [
      'approve with reason keeps inner spacing',
      '/mergeplane approve   PVC is  backed up, see INC-42  ',
      { kind: 'approve', reason: 'PVC is  backed up, see INC-42' },
    ],
    [
      'approve reason stops at the first line',
      '/mergeplane approve ok by DBA\r\nmore context',
      { kind: 'approve', reason: 'ok by DBA' },
    ],
    [
      'approve reason of exactly 500 characters',
      `/mergeplane approve ${'x'.repeat(500)}`,
      { kind: 'approve', reason: 'x'.repeat(500) },
    ],
    [
      'approve reason counts emoji as one character',
      `/mergeplane approve ${'🚀'.repeat(500)}`,
      { kind: 'approve', reason: '🚀'.repeat(500) },
    ],
    [
      'approve reason over 500 characters',
      `/mergeplane approve ${'x'.repeat(501)}`,
      unknown(`/mergeplane approve ${'x'.repeat(501)}`, /longer than 500/),
    ],
    [
      'plan with an argument',
      '/mergeplane plan now',
      unknown('/mergeplane plan now', 'plan takes no arguments'),
    ],
    [
      'retry with an argument',
      '/mergeplane retry web',
      unknown('/mergeplane retry web', 'retry takes no arguments'),
    ],
    [
      'help with an argument',
      '/mergeplane help diff',
      unknown('/mergeplane help diff', 'help takes no arguments'),
    ],
    [
      'diff without an app',
      '/mergeplane diff',
      unknown('/mergeplane diff', 'diff needs one application name'),
    ],
    [
      'diff with two apps',
      '/mergeplane diff a b',
      unknown('/mergeplane diff a b', 'diff needs one application name'),
    ],
    ['unknown verb', '/mergeplane deploy', unknown('/mergeplane deploy', 'unknown command "deploy"')],
    [
      'unknown text is the trimmed first line',
      '  /mergeplane  Nope  now \r\nnext',
      unknown('/mergeplane  Nope  now', 'unknown command "Nope"'),
    ],
    ['custom prefix', '/MP plan', { kind: 'plan' }],
  ];

  it.each(commands)('%s', (_name, body, expected) => {
    const prefix = body.startsWith('/MP') ? '/mp' : undefined;
    expect(parseSlashCommand(body, { prefix })).toEqual(expected);
  });

  const badApps = [
    'Web',
    'web_app',
    '-web',
    'web-',
    'web..prod',
    '.web',
    'a/b/c',
    '/web',
    'team-a/',
    'team.a/web',
    'web:latest',
    '`web`',
    `${'x'.repeat(64)}/web`,
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
    'x'.repeat(64),
  ];
  it.each(badApps)('diff rejects application name %j', (app) => {
    expect(parseSlashCommand(`/mergeplane diff ${app}`)).toEqual(
      unknown(`/mergeplane diff ${app}`, /^diff needs one application name/),
    );
  });

  it('accepts a 253-character subdomain name', () => {
    const app = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(app).toHaveLength(253);
    expect(parseSlashCommand(`/mergeplane diff ${app}`)).toEqual({ kind: 'diff', app });
  });

  const ignored: [string, string][] = [
    ['empty comment', ''],
    ['whitespace only', ' \r\n\t\n'],
    ['ordinary comment', 'LGTM, thanks!'],
    ['prefix not the first token', 'please /mergeplane plan'],
    ['prefix glued to more text', '/mergeplanex plan'],
    ['prefix glued to punctuation', '/mergeplane: plan'],
    ['prefix without slash', 'mergeplane plan'],
    ['command on the second line only', 'Thanks!\n/mergeplane approve'],
    ['command on the second line with CRLF', 'Thanks!\r\n/mergeplane plan'],
    ['backtick code fence', '```\n/mergeplane plan\n```'],
    ['backtick code fence with language', '```sh\n/mergeplane plan\n```'],
    ['tilde code fence', '~~~\n/mergeplane plan\n~~~'],
    ['fence after blank lines', '\n\n  ```\n/mergeplane plan\n```'],
    ['quote', '> /mergeplane approve'],
    ['quote without space', '>/mergeplane approve'],
    ['nested quote', '>> /mergeplane plan'],
    ['quote after BOM and blank lines', '\uFEFF\r\n> /mergeplane plan\r\n\r\nwhy?'],
    ['inline code', '`/mergeplane plan`'],
    ['inline code with text after', '`/mergeplane retry` is what you want'],
    ['double-backtick inline code', '``/mergeplane plan``'],
  ];
  it.each(ignored)('ignores %s', (_name, body) => {
    expect(parseSlashCommand(body)).toBeUndefined();
  });

  it('uses a custom prefix instead of the default', () => {
    expect(parseSlashCommand('/deploybot retry', { prefix: '/deploybot' })).toEqual({ kind: 'retry' });
    expect(parseSlashCommand('/mergeplane retry', { prefix: '/deploybot' })).toBeUndefined();
  });

  it.each(['', ' ', '/merge plane'])('rejects the prefix %j', (prefix) => {
    expect(() => parseSlashCommand('/mergeplane plan', { prefix })).toThrow(InvalidSlashPrefixError);
  });
});

describe('helpText', () => {
  it('lists the six commands with the default prefix and who may use them', () => {
    const text = helpText();
    for (const command of ['plan', 'diff APP', 'approve [reason]', 'retry', 'drift', 'help']) {
      expect(text).toContain(`| \`/mergeplane ${command}\` |`);
    }
    const rows = text.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toMatch(/users with write access/);
  });

  it('uses the given prefix', () => {
    const text = helpText('/mp');
    expect(text).toContain('| `/mp approve [reason]` |');
    expect(text).not.toContain('`/mergeplane');
  });

  it('documents only commands the parser accepts', () => {
    const rows = helpText()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    for (const row of rows) {
      const example = /`([^`]+)`/.exec(row)![1]!.replace(' APP', ' web').replace(' [reason]', ' because');
      expect(parseSlashCommand(example)?.kind).not.toBe('unknown');
    }
  });
});
