import { describe, expect, it } from 'vitest';
import { isAffected } from '../../src/gitops/is-affected.ts';
import { compileSafeGlob, isTooComplexGlob } from '../../src/gitops/safe-glob.ts';

describe('safe globs from pull requests', () => {
  it.each([
    ['values/*.yaml', false],
    ['{apps,infra}/**/*.yaml', false],
    [`${'*a'.repeat(9)}b`, true],
    ['\\*'.repeat(20), false],
    ['x'.repeat(1025), true],
  ])('%s too complex: %s', (pattern, expected) => {
    expect(isTooComplexGlob(pattern)).toBe(expected);
    expect(compileSafeGlob(pattern) === undefined).toBe(expected);
  });

  it('matches dotfiles like the rest of discovery', () => {
    expect(compileSafeGlob('apps/**/*.yaml')!('apps/.hidden/x.yaml')).toBe(true);
  });

  it('lets a hostile manifest-generate-paths glob trigger nothing instead of running it', () => {
    const hostile = `${'*a'.repeat(20)}b`;
    const inputs = { files: [], dirs: [], generatePaths: [hostile] };
    // Compiled naively this pattern backtracks for hours on this path; the guard skips it.
    expect(isAffected(inputs, [`${'a'.repeat(200)}`])).toBe(false);
  });
});
