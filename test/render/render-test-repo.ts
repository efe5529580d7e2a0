import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Application, parseApplication } from '../../src/gitops/application.ts';
import type { RenderContext } from '../../src/render/render-context.ts';
import { resolveTool } from '../../src/render/resolve-tool.ts';

export const THIS_REPO = 'https://github.com/acme/gitops.git';

/** path → file content, or `{ link }` for a symlink (target verbatim), or `{ script }` for an executable. */
export type RepoTree = Record<string, string | { link: string } | { script: string }>;

export interface TestRepo {
  root: string;
  /** Next to the checkout: a place that must stay unreachable. */
  outside: string;
  add(tree: RepoTree, base?: string): void;
  cleanup(): void;
}

export function createTestRepo(tree: RepoTree = {}): TestRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mergeplane-render-spec-')));
  const root = join(dir, 'checkout');
  const outside = join(dir, 'host');
  mkdirSync(root);
  mkdirSync(outside);
  const add = (t: RepoTree, base = root) => {
    for (const [path, content] of Object.entries(t)) {
      const full = join(base, path);
      mkdirSync(dirname(full), { recursive: true });
      if (typeof content === 'string') writeFileSync(full, content);
      else if ('link' in content) symlinkSync(content.link, full);
      else {
        writeFileSync(full, content.script);
        chmodSync(full, 0o755);
      }
    }
  };
  add(tree);
  return { root, outside, add, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const realTools = { helm: resolveTool('helm'), kubectl: resolveTool('kubectl') };

export function contextFor(root: string, overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    root,
    isThisRepo: (url) => url === THIS_REPO || url === THIS_REPO.replace(/\.git$/, ''),
    tools: realTools,
    timeoutMs: 20_000,
    maxOutputBytes: 4 * 1024 * 1024,
    allowedRemotes: [],
    ...overrides,
  };
}

/** An Application through the real parser: one `source`, or `sources` for a multi-source app. */
export function appWith(spec: {
  name?: string;
  namespace?: string;
  source?: Record<string, unknown>;
  sources?: Record<string, unknown>[];
}): Application {
  const body: Record<string, unknown> = {
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc', namespace: spec.namespace ?? 'team' },
  };
  if (spec.sources) body.sources = spec.sources.map((s) => ({ repoURL: THIS_REPO, ...s }));
  else body.source = { repoURL: THIS_REPO, ...spec.source };
  return parseApplication(
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: spec.name ?? 'web' },
      spec: body,
    },
    { origin: 'apps/web.yaml', file: 'apps/web.yaml' },
  );
}

export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

export const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n${extra}`;

export const deploy = (name: string, image = 'nginx:1.25') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: main
          image: ${image}
`;
