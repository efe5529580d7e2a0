import { describe, expect, test } from 'vitest';
import {
  compileSafeRegExp,
  MAX_PATTERN_LENGTH,
  UnsafeRegExpError,
} from '../../src/crossplane/safe-regexp.ts';

describe('compileSafeRegExp: RE2 syntax translated to JavaScript', () => {
  test.each([
    ['^eu-(.*)-', 'eu-north-1', ['eu-north-', 'north']],
    ['(?P<region>[a-z]+)-(?P<n>\\d)', 'us-east-1', ['east-1', 'east', '1']],
    ['(?i)^PROD', 'production', ['prod']],
    ['[[:digit:]]+', 'abc123', ['123']],
    ['a\\z', 'a\n', null],
    ['\\Qa.b\\E', 'a.b', ['a.b']],
    ['(x)?y', 'y', ['y', '']],
    ['a\\-b', 'a-b', ['a-b']],
    ['\\s', '\u00a0', null],
    ['(foo|bar)+', 'foobar', ['foobar', 'bar']],
  ])('%s on %j', (pattern, input, expected) => {
    expect(compileSafeRegExp(pattern).findSubmatch(input)).toEqual(expected);
  });

  test.each([
    ['(a)\\1', 'backreferences'],
    ['(?=a)', 'lookaround'],
    ['(?!a)', 'lookaround'],
    ['(?<=a)b', 'lookaround'],
    ['(?<!a)b', 'lookaround'],
    ['(a+)+$', 'nested quantifiers'],
    ['(a*)*b', 'nested quantifiers'],
    ['((ab)+)*', 'nested quantifiers'],
    ['(a|aa)+$', 'alternation'],
    ['(.|a)*', 'alternation'],
    ['a{1001}', 'repeat count'],
    ['a**', 'nested repetition'],
    ['(?U)a+', 'ungreedy'],
    ['a(?i)b', 'inline flags'],
  ])('rejects %s (%s)', (pattern, reason) => {
    expect(() => compileSafeRegExp(pattern)).toThrow(UnsafeRegExpError);
    expect(() => compileSafeRegExp(pattern)).toThrow(new RegExp(reason));
  });

  test('caps pattern length', () => {
    expect(() => compileSafeRegExp('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(UnsafeRegExpError);
  });

  test('bounds polynomial backtracking by capping the input for many unbounded quantifiers', () => {
    const re = compileSafeRegExp('^a*a*a*a*b$');
    expect(re.maxInputLength).toBeLessThan(100);
    expect(() => re.test('a'.repeat(re.maxInputLength + 1))).toThrow(UnsafeRegExpError);
    expect(re.test('aaab')).toBe(true);
  });
});
