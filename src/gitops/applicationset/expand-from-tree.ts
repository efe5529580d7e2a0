import { isRecord } from '../../model/kube-object.ts';
import type { RevisionTree } from '../../model/revision-tree.ts';
import { ApplicationSetError } from './application-set-error.ts';
import { expandApplicationSet } from './expand-application-set.ts';
import { type GeneratorContext, type GeneratorTree, TreeFilesNeeded } from './generator-context.ts';
import type { RepoTree } from './repo-tree.ts';

/** Rounds of loading files for nested git generators (a matrix whose second generator reads what the first found). */
const MAX_LOAD_ROUNDS = 16;

function isHidden(path: string): boolean {
  return path.split('/').some((name) => name.startsWith('.'));
}

/** A revision tree as the git generators see it: listed as Argo CD's repo server lists a clone. */
function generatorView(tree: RevisionTree, loaded: Map<string, string>): GeneratorTree {
  let listing: RepoTree | undefined;
  return {
    repoTree({ maxEntries, fail }) {
      if (!listing) {
        const files = tree.leaves().filter((path) => tree.entry(path)?.kind === 'file');
        const directories = tree.directories().filter((dir) => !isHidden(dir));
        if (files.length + directories.length > maxEntries)
          fail(`the repository has more than ${maxEntries} entries`);
        listing = { directories, files };
      }
      return listing;
    },
    size: (file) => tree.entry(file)?.size,
    text(file) {
      const text = loaded.get(file);
      if (text === undefined) throw new TreeFilesNeeded([file]);
      return text;
    },
  };
}

/**
 * Runs a synchronous expansion over a revision tree's view: the files its git generators select are loaded
 * between rounds until it needs none it lacks. Throws what `run` throws.
 */
export async function withGeneratorTree<T>(
  tree: RevisionTree,
  run: (view: GeneratorTree) => T,
  nameOf: () => string = () => '(unnamed)',
): Promise<T> {
  const loaded = new Map<string, string>();
  const view = generatorView(tree, loaded);
  for (let round = 0; ; round++) {
    try {
      return run(view);
    } catch (error) {
      if (!(error instanceof TreeFilesNeeded)) throw error;
      if (round >= MAX_LOAD_ROUNDS) {
        throw new ApplicationSetError(
          nameOf(),
          `git generators need files in more than ${MAX_LOAD_ROUNDS} rounds`,
        );
      }
      await Promise.all(
        error.files.map(async (file) => {
          // Not a regular file (a link, gone): empty, as reading it would fail the same way in a clone.
          loaded.set(file, (await tree.text(file)) ?? '');
        }),
      );
    }
  }
}

/** `expandApplicationSet` over a revision tree. Throws what `expandApplicationSet` throws. */
export function expandApplicationSetFromTree(
  appset: Record<string, unknown>,
  ctx: Omit<GeneratorContext, 'root'> & { tree: RevisionTree },
): Promise<Record<string, unknown>[]> {
  const metadata = isRecord(appset.metadata) ? appset.metadata : {};
  return withGeneratorTree(
    ctx.tree,
    (view) =>
      expandApplicationSet(appset, { clusters: ctx.clusters, isThisRepo: ctx.isThisRepo, root: view }),
    () => (typeof metadata.name === 'string' ? metadata.name : '(unnamed)'),
  );
}
