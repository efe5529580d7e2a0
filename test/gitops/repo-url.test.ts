import { describe, expect, it } from 'vitest';
import { createRepoMatcher, normalizeRepoUrl } from '../../src/gitops/repo-url.ts';

describe('normalizeRepoUrl', () => {
  it.each([
    ['https://github.com/org/repo', 'github.com/org/repo'],
    ['https://GitHub.com/Org/Repo.git/', 'github.com/Org/Repo'],
    ['http://github.com/org/repo.git', 'github.com/org/repo'],
    ['https://x-access-token:secret@github.com/org/repo.git', 'github.com/org/repo'],
    ['https://github.com:443/org/repo', 'github.com/org/repo'],
    ['https://gitea.internal:3000/org/repo.git', 'gitea.internal:3000/org/repo'],
    ['git@github.com:org/repo.git', 'github.com/org/repo'],
    ['git@github.com:/org/repo.git', 'github.com/org/repo'],
    ['org-123@GitHub.com:Org/Repo', 'github.com/Org/Repo'],
    ['ssh://git@github.com/org/repo', 'github.com/org/repo'],
    ['ssh://git@github.com:22/org/repo.git', 'github.com/org/repo'],
    ['ssh://git@ssh.github.com:443/org/repo.git', 'ssh.github.com/org/repo'],
    ['git+ssh://git@github.com/org/repo.git', 'github.com/org/repo'],
    ['git://github.com/org/repo.git', 'github.com/org/repo'],
    ['  https://github.com/org//repo.git//  ', 'github.com/org/repo'],
    ['https://gitlab.com/group/sub/repo.git?ref=main#frag', 'gitlab.com/group/sub/repo'],
    ['file:///srv/git/repo.git', '/srv/git/repo'],
    ['/srv/git/repo.git/', '/srv/git/repo'],
    ['../repo', '../repo'],
    // The authority ends where a URL parser ends it: these name evil.com, never github.com.
    ['https://evil.com?@github.com/org/repo', 'evil.com'],
    ['https://evil.com#@github.com/org/repo', 'evil.com'],
    ['https://evil.com\\@github.com/org/repo', 'evil.com/@github.com/org/repo'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeRepoUrl(input)).toBe(expected);
  });
});

describe('createRepoMatcher', () => {
  const isThisRepo = createRepoMatcher([
    'git@github.com:Acme/GitOps.git',
    'https://mirror.example.com/acme/gitops',
  ]);

  it.each([
    ['https://github.com/acme/gitops', true],
    ['https://github.com/ACME/gitops.git/', true],
    ['ssh://git@github.com/acme/gitops', true],
    ['git@github.com:acme/gitops', true],
    ['https://mirror.example.com/acme/gitops.git', true],
    ['https://github.com/acme/gitops-other', false],
    ['https://github.com/acme', false],
    ['https://gitlab.com/acme/gitops', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(isThisRepo(url)).toBe(expected);
  });

  it('matches nothing without URLs', () => {
    expect(createRepoMatcher([])('https://github.com/acme/gitops')).toBe(false);
  });
});
