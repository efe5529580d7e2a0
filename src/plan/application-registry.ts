import {
  type Application,
  applicationKey,
  InvalidApplicationError,
  parseApplication,
  UnsupportedApplicationError,
} from '../gitops/application.ts';
import { ApplicationSetError } from '../gitops/applicationset/application-set-error.ts';
import { expandApplicationSetFromTree } from '../gitops/applicationset/expand-from-tree.ts';
import type { ClusterEntry } from '../gitops/cluster.ts';
import { isRecord } from '../model/kube-object.ts';
import type { RevisionTree } from '../model/revision-tree.ts';
import type { AppEntry } from './app-entry.ts';
import { stableStringify } from './stable-stringify.ts';

/** An ApplicationSet found at a revision (committed or rendered by a parent), with the namespace it was expanded in. */
export interface FoundApplicationSet {
  object: Record<string, unknown>;
  file?: string;
  namespace: string;
}

export function objectName(object: Record<string, unknown>): { name: string; namespace: string | undefined } {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
  };
}

/**
 * The Applications of one revision as they are found: each one keyed by namespace/name (an invalid one, an
 * ApplicationSet that fails to expand and two differing definitions of one name become `error` entries), and the
 * apps still to be searched for app-of-apps children.
 */
export class ApplicationRegistry {
  readonly entries = new Map<string, AppEntry>();
  readonly applicationSets: FoundApplicationSet[] = [];
  readonly pending: { app: Application; depth: number }[] = [];
  /** Every definition of an Application key outside app-of-apps, to catch two that differ. */
  private readonly definitions = new Map<string, { origin: string; object: Record<string, unknown> }[]>();
  private readonly options: {
    tree: RevisionTree;
    clusters: ClusterEntry[];
    isThisRepo: (url: string) => boolean;
  };

  constructor(options: ApplicationRegistry['options']) {
    this.options = options;
  }

  addApplication(
    object: Record<string, unknown>,
    where: { origin: string; file?: string; line?: number; defaultNamespace?: string },
    depth: number,
  ): void {
    let app: Application;
    try {
      app = parseApplication(object, where);
    } catch (error) {
      if (!(error instanceof InvalidApplicationError)) throw error;
      const { name, namespace } = objectName(object);
      const ns = namespace ?? where.defaultNamespace ?? 'argocd';
      const key = name ? `${ns}/${name}` : `invalid:${where.file ?? where.origin}:${where.line ?? 0}`;
      this.entries.set(key, {
        key,
        kind: 'error',
        name: name || '(unnamed)',
        namespace: ns,
        origin: where.origin,
        message: error.message,
        ...(error instanceof UnsupportedApplicationError ? { unsupported: true } : {}),
        ...(where.file !== undefined ? { file: where.file } : {}),
        ...(where.line !== undefined ? { line: where.line } : {}),
      });
      return;
    }
    const key = applicationKey(app);
    // An app-of-apps child is the same Application as the file it renders from (or the parent itself).
    if (!where.origin.startsWith('app-of-apps:')) {
      const seen = this.definitions.get(key) ?? [];
      seen.push({ origin: where.origin, object });
      this.definitions.set(key, seen);
      // Compared only once a name comes twice: most never do.
      if (seen.length > 1 && new Set(seen.map((d) => stableStringify(d.object))).size > 1) {
        this.entries.set(key, {
          key,
          kind: 'error',
          name: app.name,
          namespace: app.namespace,
          origin: where.origin,
          message: `Application ${key} is defined more than once, differently: ${[...new Set(seen.map((d) => d.origin))].join(', ')}; Argo CD holds one Application per namespace and name, so all but one would be lost`,
          ...(where.file !== undefined ? { file: where.file } : {}),
          ...(where.line !== undefined ? { line: where.line } : {}),
        });
        return;
      }
    }
    this.entries.set(key, { key, kind: 'app', app });
    this.pending.push({ app, depth });
  }

  async addApplicationSet(
    object: Record<string, unknown>,
    where: { file?: string; line?: number; defaultNamespace?: string },
    depth: number,
  ): Promise<void> {
    const { name, namespace } = objectName(object);
    const origin = `applicationset:${name}`;
    const appsetNamespace = namespace ?? where.defaultNamespace ?? 'argocd';
    this.applicationSets.push({
      object,
      ...(where.file !== undefined ? { file: where.file } : {}),
      namespace: appsetNamespace,
    });
    let generated: Record<string, unknown>[];
    try {
      generated = await expandApplicationSetFromTree(
        {
          ...object,
          metadata: { ...(isRecord(object.metadata) ? object.metadata : {}), namespace: appsetNamespace },
        },
        { tree: this.options.tree, clusters: this.options.clusters, isThisRepo: this.options.isThisRepo },
      );
    } catch (error) {
      if (!(error instanceof ApplicationSetError)) throw error;
      const key = `applicationset:${appsetNamespace}/${name}`;
      this.entries.set(key, {
        key,
        kind: 'error',
        name,
        namespace: appsetNamespace,
        origin,
        message: error.message,
        ...(where.file !== undefined ? { file: where.file } : {}),
        ...(where.line !== undefined ? { line: where.line } : {}),
      });
      return;
    }
    for (const app of generated) {
      this.addApplication(app, { ...where, origin, defaultNamespace: appsetNamespace }, depth);
    }
  }
}
