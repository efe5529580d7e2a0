import { describe, expect, it } from 'vitest';
import { codeFence, codeSpan, escapeInline } from '../../src/report/escape-markdown.ts';

describe('escapeInline', () => {
  it.each([
    ['plain-name', 'plain-name'],
    ['a|b', 'a&#124;b'],
    ['`code`', '&#96;code&#96;'],
    ['*bold* _em_ ~~strike~~', '&#42;bold&#42; &#95;em&#95; &#126;&#126;strike&#126;&#126;'],
    ['[link](https://evil)', '&#91;link&#93;(https://evil)'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['</details>', '&lt;/details&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['trailing\\', 'trailing&#92;'],
    ['line one\nline two\r\nthree', 'line one line two three'],
    ['ping @octocat and @org/team', 'ping @\u200boctocat and @\u200borg/team'],
  ])('%j → %j', (input, expected) => {
    expect(escapeInline(input)).toBe(expected);
  });

  it('leaves no Markdown or HTML metacharacter and no live mention', () => {
    const out = escapeInline('x `y` <b>|*_[]~\\ @someone\n# heading');
    expect(out).not.toMatch(/[<>|`*_[\]~\\\n]/);
    expect(out).not.toMatch(/@\w/);
  });
});

describe('codeSpan', () => {
  it.each([
    ['apps/Deployment web/frontend', '`apps/Deployment web/frontend`'],
    ['a`b', '``a`b``'],
    ['a``b`', '``` a``b` ```'],
    ['`x', '`` `x ``'],
    ['multi\nline', '`multi line`'],
  ])('%j → %j', (input, expected) => {
    expect(codeSpan(input)).toBe(expected);
  });
});

describe('codeFence', () => {
  it('uses three backticks and the info string for ordinary content', () => {
    expect(codeFence('+ a\n- b\n', 'diff')).toBe('```diff\n+ a\n- b\n```');
  });

  it.each([
    ['```', '````'],
    ['before\n```\nafter', '````'],
    ['``````', '```````'],
    ['inline `` and ````` runs', '``````'],
  ])('fence for %j is %j', (content, fence) => {
    const out = codeFence(content);
    const lines = out.split('\n');
    expect(lines[0]).toBe(fence);
    expect(lines.at(-1)).toBe(fence);
    // No line inside could close the block: every backtick run is shorter than the fence.
    for (const line of lines.slice(1, -1)) {
      for (const run of line.match(/`+/g) ?? []) expect(run.length).toBeLessThan(fence.length);
    }
  });

  it('keeps HTML inside the block literal and the block whole', () => {
    const out = codeFence('</details>\n<script>x</script>');
    expect(out).toBe('```\n</details>\n<script>x</script>\n```');
  });

  it('drops backticks and line breaks from the info string', () => {
    expect(codeFence('x', 'di`ff\nevil')).toBe('```diff evil\nx\n```');
  });

  it('handles empty content and CRLF', () => {
    expect(codeFence('')).toBe('```\n```');
    expect(codeFence('a\r\nb\r\n')).toBe('```\na\nb\n```');
  });
});
