import type { GeneratorContext } from './generator-context.ts';
import type { RepoTree } from './repo-tree.ts';
import type { TemplateRenderer } from './template-renderer.ts';

/** What every generator of one ApplicationSet expansion shares. */
export interface GeneratorState {
  appSetName: string;
  goTemplate: boolean;
  renderer: TemplateRenderer;
  context: GeneratorContext;
  /** The checkout's directories and files, listed once on first use. */
  repoTree: () => RepoTree;
  /** Refuses (with an ApplicationSetError) when an expansion would produce more parameter sets than allowed. */
  checkBudget: (count: number) => void;
}
