import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A directory tree for a test: path → file content, or `{ symlink: target }` for a symbolic link. */
export type TempTreeSpec = Record<string, string | { symlink: string }>;

/**
 * Returns a writer of temporary trees (plain directories, no git) that are removed after each test
 * of the calling file.
 */
export function tempTrees(prefix: string): (files: TempTreeSpec) => string {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  return (files) => {
    const root = mkdtempSync(join(tmpdir(), `mergeplane-${prefix}-`));
    roots.push(root);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      if (typeof content === 'string') writeFileSync(join(root, path), content);
      else symlinkSync(content.symlink, join(root, path));
    }
    return root;
  };
}
