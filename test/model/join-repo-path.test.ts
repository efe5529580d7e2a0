import { describe, expect, it } from 'vitest';
import { joinRepoPath } from '../../src/model/join-repo-path.ts';

describe('joinRepoPath', () => {
  it.each([
    ['apps', 'guestbook', 'apps/guestbook'],
    ['apps/overlays/prod', '../../base', 'apps/base'],
    ['.', './charts//web/', 'charts/web'],
    ['apps', '..', '.'],
    ['.', '', '.'],
    ['apps', '../../etc/passwd', undefined],
    ['.', '..', undefined],
  ])('%s + %s → %s', (base, ref, expected) => {
    expect(joinRepoPath(base, ref)).toBe(expected);
  });
});
