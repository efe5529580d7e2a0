import { describe, expect, it } from 'vitest';
import { type ApplicationSource, parseApplication } from '../../src/gitops/application.ts';
import { hasLocalSource, localSourceMatcher } from '../../src/gitops/local-source.ts';
import { createRepoMatcher } from '../../src/gitops/repo-url.ts';

const THIS = 'https://github.com/acme/gitops.git';
const OTHER = 'https://github.com/acme/other.git';
const isThisRepo = createRepoMatcher([THIS]);

function app(sources: ApplicationSource[]) {
  return parseApplication(
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { sources } },
    { origin: 'apps/a.yaml' },
  );
}

describe('hasLocalSource', () => {
  it.each([
    ['no targetRevision', [{ repoURL: THIS, path: 'x' }], 'main', true],
    ['empty targetRevision', [{ repoURL: THIS, path: 'x', targetRevision: '' }], 'main', true],
    ['HEAD', [{ repoURL: THIS, path: 'x', targetRevision: 'HEAD' }], undefined, true],
    ['the base branch', [{ repoURL: THIS, path: 'x', targetRevision: 'main' }], 'main', true],
    [
      'refs/heads/ base branch',
      [{ repoURL: THIS, path: 'x', targetRevision: 'refs/heads/main' }],
      'main',
      true,
    ],
    ['another branch', [{ repoURL: THIS, path: 'x', targetRevision: 'develop' }], 'main', false],
    ['a tag', [{ repoURL: THIS, path: 'x', targetRevision: 'v1.2.0' }], 'main', false],
    [
      'a branch with unknown base branch',
      [{ repoURL: THIS, path: 'x', targetRevision: 'main' }],
      undefined,
      false,
    ],
    ['another repository', [{ repoURL: OTHER, path: 'x' }], 'main', false],
    ['this repo in another URL form', [{ repoURL: 'git@github.com:acme/gitops', path: 'x' }], 'main', true],
    [
      'multi-source with this repo as a values ref',
      [
        { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.0.0' },
        { repoURL: THIS, ref: 'values', targetRevision: 'main' },
      ],
      'main',
      true,
    ],
    [
      'multi-source where this repo is pinned',
      [
        { repoURL: OTHER, path: 'x' },
        { repoURL: THIS, ref: 'values', targetRevision: 'v1' },
      ],
      'main',
      false,
    ],
  ] as [string, ApplicationSource[], string | undefined, boolean][])(
    '%s',
    (_, sources, baseBranch, expected) => {
      expect(hasLocalSource(app(sources), localSourceMatcher({ isThisRepo, baseBranch }))).toBe(expected);
    },
  );
});
