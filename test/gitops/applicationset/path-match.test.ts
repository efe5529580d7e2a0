import { describe, expect, it } from 'vitest';
import { gitPathspecMatch, goPathMatch } from '../../../src/gitops/applicationset/path-match.ts';

describe('goPathMatch (directory generator)', () => {
  it.each([
    ['apps/*', 'apps/guestbook', true],
    ['apps/*', 'apps/guestbook/overlays', false],
    ['*', 'apps', true],
    ['*', 'apps/guestbook', false],
    ['apps/*/overlays', 'apps/a/overlays', true],
    ['d/[f|g]', 'd/f', true],
    ['d/[f|g]', 'd/e', false],
    ['d/[^f]', 'd/e', true],
    ['d/[a-c]x', 'd/bx', true],
    ['d/?', 'd/e', true],
    ['d/?', 'd//', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['(.*)+', 'anything', false],
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(goPathMatch(pattern, path)).toBe(expected);
  });

  it('reports a malformed pattern', () => {
    expect(goPathMatch('apps/[a-', 'apps/a')).toBeUndefined();
  });

  it('answers a pathological pattern (backtracking would never return: the test timeout catches it)', () => {
    expect(goPathMatch(`${'*a'.repeat(50)}b`, 'a'.repeat(2000))).toBe(false);
  });
});

describe('gitPathspecMatch (files generator, Argo CD default globbing)', () => {
  it.each([
    ['cluster-config/**/config.json', 'cluster-config/engineering/dev/config.json', true],
    // The default globbing is greedy: `*` crosses directories (Argo CD's Git File Globbing docs).
    ['cluster-config/*/config.json', 'cluster-config/engineering/dev/config.json', true],
    ['some-path/*.yaml', 'some-path/deep/er/x.yaml', true],
    ['some-path/*.yaml', 'other/x.yaml', false],
    ['apps/config.json', 'apps/config.json', true],
    ['apps', 'apps/a/config.json', true],
    ['apps', 'apps2/config.json', false],
    ['conf?g.json', 'config.json', true],
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(gitPathspecMatch(pattern, path)).toBe(expected);
  });
});
