import { describe, expect, it } from 'vitest';
import { matchesArgoGlob } from '../../src/render/argo-glob.ts';

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
