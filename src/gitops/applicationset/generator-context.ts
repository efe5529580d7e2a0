import type { ClusterEntry } from '../cluster.ts';

export interface GeneratorContext {
  /** Absolute directory of the repository checkout at one revision (git generators read it). */
  root: string;
  /** Config registry plus committed cluster Secrets. */
  clusters: ClusterEntry[];
  /** Git generators must point at this repository. */
  isThisRepo: (url: string) => boolean;
}
