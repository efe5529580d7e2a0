import { describe, expect, it } from 'vitest';
import { compileArgoGlob, matchesArgoGlob } from '../../src/render/argo-glob.ts';
import { UnsafeContentError } from '../../src/render/render-error.ts';

describe('matchesArgoGlob (Argo CD directory include/exclude)', () => {
  it.each([
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', 'sub/a.yaml', true], // gobwas without separators: * crosses /
    ['*.yaml', 'a.json', false],
    ['{a.yaml,b.yaml}', 'b.yaml', true],
    ['{a.yaml,b.yaml}', 'c.yaml', false],
    ['a.yaml,b/*', 'b/c.yaml', true],
    ['a.yaml,b/*', 'c.yaml', false],
    ['prod/**', 'prod/x/y.yaml', true],
    ['?.yaml', 'a.yaml', true],
    ['?.yaml', 'ab.yaml', false],
    ['[ab].yaml', 'b.yaml', true],
    ['[!ab].yaml', 'b.yaml', false],
    ['{*.yml,sub/{x,y}.json}', 'sub/y.json', true],
    ['a.b', 'aXb', false],
    ['config\\*.yaml', 'config*.yaml', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matchesArgoGlob(pattern, path)).toBe(expected);
  });
});

describe('hostile patterns', () => {
  it('refuses patterns with too many wildcards instead of backtracking on them', () => {
    const hostile = `${'*a'.repeat(20)}b`;
    expect(() => compileArgoGlob(hostile)).toThrow(UnsafeContentError);
    expect(() => compileArgoGlob('x'.repeat(2000))).toThrow(UnsafeContentError);
  });

  it('still accepts ordinary patterns with a few wildcards', () => {
    expect(matchesArgoGlob('{apps/**/*.yaml,*.json}', 'apps/a/b.yaml')).toBe(true);
  });
});
