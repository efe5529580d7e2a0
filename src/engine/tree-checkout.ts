import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { RevisionTree } from '../model/revision-tree.ts';
import type { PlanSide } from '../plan/app-renderer.ts';
import { TreeIndex } from '../plan/tree-index.ts';

/** A revision's files on disk, written only as far as the render tools need them. */
export interface TreeCheckout {
  /** Writes these paths (files, links, or whole directories) once, and returns the directory holding them. */
  materialise(paths: Iterable<string>): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * A checkout of a revision tree that holds only what was asked for: each render materialises its own input
 * closure into the revision's one directory, so a plan writes the files of the apps it renders, not the
 * repository. A path under a symlinked directory writes the link (the render's inputs name its target too).
 */
export function createTreeCheckout(tree: RevisionTree): TreeCheckout {
  let parent: Promise<string> | undefined;
  const written = new Map<string, Promise<void>>();
  const limit = pLimit(32);
  const rootOf = () => {
    parent ??= mkdtemp(join(tmpdir(), 'mergeplane-tree-'));
    return parent.then((dir) => join(dir, 'tree'));
  };

  const writeLeaf = async (root: string, path: string): Promise<void> => {
    const entry = tree.entry(path);
    if (!entry) return;
    const full = join(root, ...path.split('/'));
    if (entry.kind === 'dir') {
      await mkdir(full, { recursive: true });
      return;
    }
    if (entry.kind !== 'file' && entry.kind !== 'symlink') return;
    const bytes = await tree.bytes(path);
    if (bytes === undefined) return;
    await mkdir(join(full, '..'), { recursive: true });
    if (entry.kind === 'symlink') {
      await symlink(bytes.toString('utf8'), full).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      return;
    }
    await writeFile(full, bytes, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (entry.executable) await chmod(full, 0o755);
  };

  const once = (root: string, path: string): Promise<void> => {
    let done = written.get(path);
    if (!done) {
      done = limit(() => writeLeaf(root, path));
      written.set(path, done);
    }
    return done;
  };

  /** The first symlink on the way to `path` (a link stands for everything under it), or `path` itself. */
  const stopAtLink = (path: string): string => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (tree.entry(prefix)?.kind === 'symlink') return prefix;
    }
    return path;
  };

  return {
    async materialise(paths) {
      const root = await rootOf();
      await mkdir(root, { recursive: true });
      const work: Promise<void>[] = [];
      for (const requested of paths) {
        if (requested === '.' || requested === '') {
          for (const leaf of tree.filesUnder('.')) work.push(once(root, leaf));
          continue;
        }
        const path = stopAtLink(requested);
        const entry = tree.entry(path);
        if (entry?.kind === 'dir') {
          work.push(once(root, path));
          for (const leaf of tree.filesUnder(path)) work.push(once(root, leaf));
        } else if (entry) {
          work.push(once(root, path));
        }
      }
      await Promise.all(work);
      return root;
    },
    async dispose() {
      if (parent) await rm(await parent, { recursive: true, force: true });
    },
  };
}

/** A revision as the planner reads it, with the checkout its renders write to (the caller disposes of it). */
export function openPlanSide(
  label: PlanSide['label'],
  tree: RevisionTree,
): { side: PlanSide; checkout: TreeCheckout } {
  const checkout = createTreeCheckout(tree);
  const side: PlanSide = {
    label,
    index: new TreeIndex(tree),
    materialise: (paths) => checkout.materialise(paths),
  };
  return { side, checkout };
}
