import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AppInputs, collectAppInputs } from '../../src/gitops/app-inputs.ts';
import { parseApplication } from '../../src/gitops/application.ts';
import { affectingFiles, isAffected } from '../../src/gitops/is-affected.ts';

describe('isAffected', () => {
  const inputs: AppInputs = {
    files: ['envs/prod/web.yaml'],
    dirs: ['apps/web'],
    generatePaths: ['crds', 'docs/*.md'],
  };

  it.each([
    ['a file in the app dir', ['apps/web/deploy.yaml'], true],
    ['a nested file in the app dir', ['apps/web/sub/x.yaml'], true],
    ['a sibling dir sharing a prefix', ['apps/web-other/deploy.yaml'], false],
    ['a listed file', ['envs/prod/web.yaml'], true],
    ['a neighbour of a listed file', ['envs/prod/api.yaml'], false],
    ['a file under a generate path', ['crds/x.yaml'], true],
    ['a file matching a generate-path glob', ['docs/readme.md'], true],
    ['a file not matching a generate-path glob', ['docs/readme.txt'], false],
    ['nothing', [], false],
    ['unrelated files', ['README.md', 'other/app.yaml'], false],
  ])('%s → %s', (_, changed, expected) => {
    expect(isAffected(inputs, changed)).toBe(expected);
  });

  it('treats the root dir as everything and globs as covering directories', () => {
    expect(isAffected({ files: [], dirs: ['.'] }, ['any/file'])).toBe(true);
    expect(isAffected({ files: [], dirs: [], generatePaths: ['apps/*'] }, ['apps/a/deep/x.yaml'])).toBe(true);
  });

  it('lists the affecting files, sorted', () => {
    expect(
      affectingFiles(inputs, ['docs/readme.md', 'README.md', 'apps/web/deploy.yaml', 'envs/prod/web.yaml']),
    ).toEqual(['apps/web/deploy.yaml', 'docs/readme.md', 'envs/prod/web.yaml']);
  });

  it('catches a change to a kustomize base outside the app path', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mergeplane-affected-'));
    try {
      const files: Record<string, string> = {
        'apps/web/prod/kustomization.yaml': 'resources: [../../../bases/web]\n',
        'bases/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'bases/web/deploy.yaml': 'kind: Deployment\n',
        'bases/api/deploy.yaml': 'kind: Deployment\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      const app = parseApplication(
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: 'web' },
          spec: { source: { repoURL: 'https://github.com/acme/gitops', path: 'apps/web/prod' } },
        },
        { origin: 'apps/web.yaml' },
      );
      const collected = await collectAppInputs(app, root, { isLocal: () => true });
      expect(isAffected(collected, ['bases/web/deploy.yaml'])).toBe(true);
      expect(isAffected(collected, ['bases/api/deploy.yaml'])).toBe(false);
      expect(affectingFiles(collected, ['bases/api/deploy.yaml', 'bases/web/deploy.yaml'])).toEqual([
        'bases/web/deploy.yaml',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
