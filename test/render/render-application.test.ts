import { afterEach, describe, expect, it } from 'vitest';
import { renderApplication } from '../../src/render/render-application.ts';
import { RenderError, UnsupportedSourceError } from '../../src/render/render-error.ts';
import {
  configMap,
  createSandbox,
  makeApp,
  names,
  REPO_URL,
  rejection,
  render,
  renderContext,
  type Sandbox,
} from './render-fixture.ts';

const TREE = {
  'plain/cm.yaml': configMap('plain'),
  'kust/kustomization.yaml': 'resources:\n  - cm.yaml\nnamePrefix: k-\n',
  'kust/cm.yaml': configMap('cm'),
  'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
  'chart/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: helm-{{ .Values.color | default "none" }}\n',
  'values/prod.yaml': 'color: red\n',
};

describe('renderApplication', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  it.each([
    ['plain', 'directory', ['ConfigMap/plain']],
    ['kust', 'kustomize', ['ConfigMap/k-cm']],
    ['chart', 'helm', ['ConfigMap/helm-none']],
  ])('renders %s as %s', async (path, type, expected) => {
    sandbox = createSandbox(TREE);
    const out = await render(sandbox, { source: { path } });
    expect(out.sourceType).toBe(type);
    expect(names(out.objects)).toEqual(expected);
  });

  it('concatenates the sources of a multi-source app as sourceType multi', async () => {
    sandbox = createSandbox(TREE);
    const out = await render(sandbox, {
      sources: [
        { path: 'plain' },
        { path: 'kust' },
        { path: 'chart', helm: { valueFiles: ['$cfg/values/prod.yaml'] } },
        { ref: 'cfg' },
      ],
    });
    expect(out.sourceType).toBe('multi');
    expect(names(out.objects)).toEqual(['ConfigMap/helm-red', 'ConfigMap/k-cm', 'ConfigMap/plain']);
  });

  it('does not render a ref-only source (it would otherwise render the whole repository)', async () => {
    sandbox = createSandbox({ ...TREE, 'root.yaml': configMap('at-root') });
    const out = await render(sandbox, {
      sources: [{ path: 'chart', helm: { valueFiles: ['$cfg/values/prod.yaml'] } }, { ref: 'cfg' }],
    });
    expect(out.sourceType).toBe('helm');
    expect(names(out.objects)).toEqual(['ConfigMap/helm-red']);
  });

  it('refuses a config management plugin', async () => {
    sandbox = createSandbox(TREE);
    const error = await rejection(render(sandbox, { source: { path: 'plain', plugin: { name: 'sops' } } }));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.message).toContain('demo');
  });

  it('refuses a source from another repository', async () => {
    sandbox = createSandbox(TREE);
    const error = await rejection(
      render(sandbox, { source: { repoURL: 'https://github.com/other/repo.git', path: 'plain' } }),
    );
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.message).toContain('https://github.com/other/repo.git');
  });

  it('refuses one foreign source among several', async () => {
    sandbox = createSandbox(TREE);
    const error = await rejection(
      render(sandbox, {
        sources: [{ path: 'plain' }, { repoURL: 'https://github.com/other/repo.git', path: 'x' }],
      }),
    );
    expect(error).toBeInstanceOf(UnsupportedSourceError);
  });

  it('refuses a source that sets two tool blocks, as Argo CD does', async () => {
    sandbox = createSandbox(TREE);
    const error = await rejection(
      render(sandbox, {
        source: { path: 'kust', helm: { releaseName: 'x' }, kustomize: { namePrefix: 'p-' } },
      }),
    );
    expect(error).toBeInstanceOf(RenderError);
  });

  it('renders the repository root for a single source without a path', async () => {
    sandbox = createSandbox({ 'cm.yaml': configMap('at-root') });
    const out = await render(sandbox, { source: { repoURL: REPO_URL } });
    expect(out.sourceType).toBe('directory');
    expect(names(out.objects)).toEqual(['ConfigMap/at-root']);
  });

  it('reports a tool that cannot be run as a RenderError', async () => {
    sandbox = createSandbox(TREE);
    const ctx = renderContext(sandbox.root, {
      tools: { helm: '/nonexistent/helm', kubectl: '/nonexistent/kubectl' },
    });
    await expect(renderApplication(makeApp({ source: { path: 'kust' } }), ctx)).rejects.toBeInstanceOf(
      RenderError,
    );
  });

  it('bounds a render in time', async () => {
    sandbox = createSandbox(TREE);
    const ctx = renderContext(sandbox.root, { timeoutMs: 1 });
    const error = await rejection(renderApplication(makeApp({ source: { path: 'chart' } }), ctx));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/timed out/);
  });

  it('bounds the output size of a tool', async () => {
    sandbox = createSandbox(TREE);
    const ctx = renderContext(sandbox.root, { maxOutputBytes: 16 });
    const error = await rejection(renderApplication(makeApp({ source: { path: 'kust' } }), ctx));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/16 bytes/);
  });

  it('leaves nothing behind in the checkout', async () => {
    sandbox = createSandbox(TREE);
    const { readdirSync } = await import('node:fs');
    const before = readdirSync(sandbox.root).sort();
    await render(sandbox, { source: { path: 'kust', kustomize: { namePrefix: 'x-' } } });
    await render(sandbox, { source: { path: 'chart', helm: { valueFiles: ['/values/prod.yaml'] } } });
    expect(readdirSync(sandbox.root).sort()).toEqual(before);
    expect(readdirSync(`${sandbox.root}/chart`).sort()).toEqual(['Chart.yaml', 'templates']);
  });
});
