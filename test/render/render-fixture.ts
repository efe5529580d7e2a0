import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Application, parseApplication } from '../../src/gitops/application.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { type RenderOutput, renderApplication } from '../../src/render/render-application.ts';
import type { RenderContext } from '../../src/render/render-context.ts';
import { resolveTool } from '../../src/render/resolve-tool.ts';
import { resolveToolUser } from '../../src/render/tool-sandbox.ts';

export const REPO_URL = 'https://github.com/acme/gitops.git';

/** path → content; `{ symlink }` makes a symbolic link (target taken verbatim), `{ script }` an executable file. */
export type Tree = Record<string, string | { symlink: string } | { script: string }>;

export interface Sandbox {
  /** The checkout handed to the renderer. */
  root: string;
  /** A sibling of the checkout: what pull-request content must never reach. */
  outside: string;
  write(tree: Tree, base?: string): void;
  cleanup(): void;
}

function writeTree(base: string, tree: Tree): void {
  for (const [path, content] of Object.entries(tree)) {
    const full = join(base, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof content === 'string') writeFileSync(full, content);
    else if ('symlink' in content) symlinkSync(content.symlink, full);
    else {
      writeFileSync(full, content.script);
      chmodSync(full, 0o755);
    }
  }
}

export function createSandbox(tree: Tree = {}): Sandbox {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mergeplane-render-test-')));
  // Fake tools written into the tree must be executable by the render tool user, as real tools are.
  chmodSync(dir, 0o755);
  const root = join(dir, 'repo');
  const outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeTree(root, tree);
  return {
    root,
    outside,
    write: (t, base = root) => writeTree(base, t),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const tools = { helm: resolveTool('helm'), kubectl: resolveTool('kubectl') };

const toolUser = resolveToolUser();

export function renderContext(root: string, overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    root,
    isLocal: (source) => source.repoURL.replace(/\.git$/, '') === REPO_URL.replace(/\.git$/, ''),
    tools,
    timeoutMs: 20_000,
    maxOutputBytes: 5 * 1024 * 1024,
    allowedRemotes: [],
    // As in production: the kernel memory limit, and the tool user when the tests run as root.
    sandbox: { maxMemoryBytes: 1024 * 1024 * 1024, ...(toolUser ? { user: toolUser } : {}) },
    ...overrides,
  };
}

/** An Application through the real parser; `source` may be one source or a list (multi-source). */
export function makeApp(options: {
  name?: string;
  namespace?: string;
  source?: Record<string, unknown>;
  sources?: Record<string, unknown>[];
}): Application {
  const spec: Record<string, unknown> = {
    project: 'default',
    destination: {
      server: 'https://kubernetes.default.svc',
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    },
  };
  if (options.sources) spec.sources = options.sources.map((s) => ({ repoURL: REPO_URL, ...s }));
  else spec.source = { repoURL: REPO_URL, ...options.source };
  return parseApplication(
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: options.name ?? 'demo', namespace: 'argocd' },
      spec,
    },
    { origin: 'apps/demo.yaml', file: 'apps/demo.yaml' },
  );
}

/** The app the render-application-* tests use: errors name it `web`, helm releases it as `web` into `team`. */
export const WEB = { name: 'web', namespace: 'team' } as const;

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} among: ${have}`);
  }
  return found;
}

export function names(objects: KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}

/** Awaits a promise that must reject, and returns the error for closer assertions. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the promise to reject');
}

export function configMap(name: string, data: Record<string, string> = { key: 'value' }): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}

/** `labels` go on the Deployment's own metadata (the pod template is always labelled `app: <name>`). */
export function deployment(name: string, image = 'nginx:1.25', labels: Record<string, string> = {}): string {
  const own = Object.entries(labels).map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}${own.length > 0 ? `\n  labels:${own.join('')}` : ''}
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
}

/** Renders `options` as an Application against the sandbox with the real tools. */
export function render(
  sandbox: Sandbox,
  options: Parameters<typeof makeApp>[0],
  ctx: Partial<RenderContext> = {},
): Promise<RenderOutput> {
  return renderApplication(makeApp(options), renderContext(sandbox.root, ctx));
}
