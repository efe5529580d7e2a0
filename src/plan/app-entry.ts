import type { Application } from '../gitops/application.ts';

/**
 * One application slot at one revision: either a planned Application, or the reason it could
 * not be produced (invalid Application object, ApplicationSet that failed to expand).
 */
export type AppEntry =
  | { key: string; kind: 'app'; app: Application }
  | {
      key: string;
      kind: 'error';
      name: string;
      namespace: string;
      origin: string;
      message: string;
      /** Valid, but not renderable offline (`unsupported` gate, approvable) rather than broken (`render`). */
      unsupported?: boolean;
      file?: string;
      line?: number;
    };
