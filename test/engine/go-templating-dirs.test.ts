import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { readGoTemplatingDirs } from '../../src/engine/go-templating-dirs.ts';
import { openDirectoryTree } from '../../src/gitops/directory-tree.ts';
import { TreeIndex } from '../../src/plan/tree-index.ts';

/* function-go-templating's FileSystem source (template.go, readTemplates): fs.WalkDir over dirPath, hidden files
 * and folders skipped, every file's content followed by "\n---\n". */
const root = mkdtempSync(join(tmpdir(), 'go-templating-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

write({
  'platform/templates/b.yaml': 'B',
  'platform/templates/a/z.yaml': 'AZ',
  'platform/templates/a-b.yaml': 'A-B',
  'platform/templates/.hidden.yaml': 'HIDDEN',
  'platform/templates/..skip/_helpers.tpl': 'SKIPPED',
  'other/x.yaml': 'X',
});

describe('readGoTemplatingDirs', () => {
  it('joins the files of the mapped folder in fs.WalkDir order, skipping hidden ones', async () => {
    const index = new TreeIndex(await openDirectoryTree(root));
    const { templateDirs, findings } = await readGoTemplatingDirs(index, {
      '/templates': 'platform/templates/',
    });
    expect(findings).toEqual([]);
    // WalkDir visits "a" (and its contents) before "a-b": it sorts names, not whole paths.
    expect(templateDirs.get('/templates')).toBe('AZ\n---\nA-B\n---\nB\n---\n');
  });

  it('names a mapped folder with no files as a config finding', async () => {
    const index = new TreeIndex(await openDirectoryTree(root));
    const { templateDirs, findings } = await readGoTemplatingDirs(index, {
      '/templates': 'platform/missing',
    });
    expect(templateDirs.size).toBe(0);
    expect(findings).toEqual([
      {
        id: 'config',
        file: '.github/mergeplane.yml',
        message:
          'crossplane.goTemplatingDirs[/templates]: platform/missing holds no template files at this revision',
      },
    ]);
  });
});

describe('crossplane.goTemplatingDirs in the config', () => {
  it('accepts folders of the repository and refuses paths leaving it', () => {
    expect(
      loadConfig('crossplane:\n  goTemplatingDirs: { /templates: platform/templates }\n').crossplane
        .goTemplatingDirs,
    ).toEqual({ '/templates': 'platform/templates' });
    expect(() => loadConfig('crossplane:\n  goTemplatingDirs: { /templates: ../secrets }\n')).toThrow(
      /goTemplatingDirs/,
    );
    expect(() => loadConfig('crossplane:\n  goTemplatingDirs: { /templates: /etc }\n')).toThrow(
      /goTemplatingDirs/,
    );
  });
});
