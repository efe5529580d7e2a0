import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderError, UnsafeContentError } from '../../src/render/render-error.ts';
import { toolVersion } from '../../src/render/resolve-tool.ts';
import { configMap, createSandbox, rejection, render, type Sandbox, tools, WEB } from './render-fixture.ts';

const MARKER = 'TOP-SECRET-MARKER-7f3a';
const CHART = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';
const TEMPLATE =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  v: {{ .Values.v | default "x" | quote }}\n';

/** Everything an error exposes: message, stack, own fields and the cause chain. */
function exposed(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message, current.stack ?? '', JSON.stringify({ ...current }));
    current = current.cause;
  }
  return parts.join('\n');
}

describe('renderApplication: untrusted content', () => {
  let sandbox: Sandbox;
  let secret: string;
  beforeAll(() => {
    sandbox = createSandbox();
    secret = join(sandbox.outside, 'secret.yaml');
    writeFileSync(secret, `v: ${MARKER}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${MARKER}\n`);
    sandbox.write({ 'secret-dir/kustomization.yaml': `resources:\n  - secret.yaml\n` }, sandbox.outside);
    sandbox.write({ 'secret-dir/secret.yaml': configMap(MARKER, { k: 'v' }) }, sandbox.outside);
    sandbox.write({
      'chart/Chart.yaml': CHART,
      'chart/templates/cm.yaml': TEMPLATE,
      'chart/values-ok.yaml': { symlink: '../shared/values.yaml' },
      'values/secret.yaml': { symlink: secret },
      'values/host.yaml': { symlink: '/etc/hostname' },
      'shared/values.yaml': 'v: linked-inside\n',
      'chart-tpl/Chart.yaml': CHART,
      'chart-tpl/templates/leak.yaml': { symlink: secret },
      'chart-indirect/Chart.yaml': CHART,
      'chart-indirect/templates/cm.yaml': TEMPLATE,
      'chart-indirect/templates/more': { symlink: '../../indirect' },
      'indirect/evil.yaml': { symlink: secret },
      'chart-schema/Chart.yaml': CHART,
      'chart-schema/templates/cm.yaml': TEMPLATE,
      'chart-schema/values.schema.json': JSON.stringify({
        type: 'object',
        properties: { v: { $ref: `file://${secret}` } },
      }),
      'dep-escape/Chart.yaml': `${CHART}dependencies:\n  - name: x\n    version: 0.1.0\n    repository: file://../../outside/secret-dir\n`,
      'dir/a.yaml': configMap('a', { k: 'v' }),
      'dir/excluded/leak.yaml': { symlink: secret },
      'dir-dangling/a.yaml': configMap('a', { k: 'v' }),
      'dir-dangling/gone.yaml': { symlink: join(sandbox.outside, 'does-not-exist.yaml') },
      'linked-app': { symlink: join(sandbox.outside, 'secret-dir') },
      'kust-file/kustomization.yaml': 'resources:\n  - leak.yaml\n',
      'kust-file/leak.yaml': { symlink: secret },
      'kust-dir/kustomization.yaml': 'resources:\n  - ../secret-link\n',
      'secret-link': { symlink: join(sandbox.outside, 'secret-dir') },
      'kust-patch/kustomization.yaml': `resources:\n  - cm.yaml\n`,
      'kust-patch/cm.yaml': configMap('a', { k: 'v' }),
      'kust-patch/patch.yaml': { symlink: secret },
      'certs/tls.crt': { symlink: secret },
    });
  });
  afterAll(() => sandbox.cleanup());

  const cases: { name: string; source: Record<string, unknown>; link: string }[] = [
    {
      name: 'a value file linked to a host file',
      source: { path: 'chart', helm: { valueFiles: ['../values/secret.yaml'] } },
      link: 'values/secret.yaml',
    },
    {
      name: 'a value file linked to /etc/hostname',
      source: { path: 'chart', helm: { valueFiles: ['/values/host.yaml'] } },
      link: 'values/host.yaml',
    },
    {
      name: 'a file parameter linked outside',
      source: { path: 'chart', helm: { fileParameters: [{ name: 'v', path: '../certs/tls.crt' }] } },
      link: 'certs/tls.crt',
    },
    {
      name: 'a chart template linked outside',
      source: { path: 'chart-tpl' },
      link: 'chart-tpl/templates/leak.yaml',
    },
    {
      name: 'a link inside the repository leading to a link outside',
      source: { path: 'chart-indirect' },
      link: 'chart-indirect/templates/more/evil.yaml',
    },
    {
      name: 'a directory source file linked outside, even if excluded',
      source: { path: 'dir', directory: { recurse: true, exclude: 'excluded/*' } },
      link: 'dir/excluded/leak.yaml',
    },
    {
      name: 'a dangling link pointing outside',
      source: { path: 'dir-dangling' },
      link: 'dir-dangling/gone.yaml',
    },
    { name: 'an app path that is a link outside', source: { path: 'linked-app' }, link: 'linked-app' },
    {
      name: 'a kustomize resource file linked outside',
      source: { path: 'kust-file' },
      link: 'kust-file/leak.yaml',
    },
    { name: 'a kustomize base directory linked outside', source: { path: 'kust-dir' }, link: 'secret-link' },
    {
      name: 'a kustomize patch (from the Application) linked outside',
      source: { path: 'kust-patch', kustomize: { patches: [{ path: 'patch.yaml' }] } },
      link: 'kust-patch/patch.yaml',
    },
  ];

  it.each(cases)('refuses $name, naming the link and never the content', async ({ source, link }) => {
    const error = await rejection(render(sandbox, { ...WEB, name: 'guarded', source }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toContain('application guarded');
    expect(error.message).toContain(link);
    expect((error as UnsafeContentError).file).toBe(link);
    expect(exposed(error)).not.toContain(MARKER);
    expect(exposed(error)).not.toContain(sandbox.outside);
  });
});

describe('renderApplication: bounds', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = createSandbox({
      'chart/Chart.yaml': CHART,
      'chart/templates/many.yaml':
        '{{- range until 400 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\ndata:\n  pad: {{ repeat 200 "x" | quote }}\n{{- end }}\n',
      'kust/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'kust/cm.yaml': configMap('a', { k: 'v', pad: 'y'.repeat(5000) }),
      'slow/fake-helm': { script: '#!/bin/sh\nsleep 30\n' },
      'slow/broken-helm': { script: '#!/bin/sh\nexit 1\n' },
    });
  });
  afterAll(() => sandbox.cleanup());

  it('fails a helm render whose output passes maxOutputBytes', async () => {
    const error = await rejection(
      render(sandbox, { ...WEB, source: { path: 'chart' } }, { maxOutputBytes: 16 * 1024 }),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/helm template output exceeded the limit of 16384 bytes/);
  });

  it('fails a kustomize render whose output passes maxOutputBytes', async () => {
    const error = await rejection(
      render(sandbox, { ...WEB, source: { path: 'kust' } }, { maxOutputBytes: 2048 }),
    );
    expect(error.message).toMatch(/kustomize build output exceeded the limit/);
  });

  it('kills a render that passes the timeout', async () => {
    const error = await rejection(
      render(
        sandbox,
        { ...WEB, source: { path: 'chart' } },
        {
          timeoutMs: 300,
          tools: { ...tools, helm: join(sandbox.root, 'slow/fake-helm') },
        },
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/helm template timed out after 0.3s/);
  });

  it('renders the same chart within bounds', async () => {
    const out = await render(sandbox, { ...WEB, source: { path: 'chart' } });
    expect(out.objects).toHaveLength(400);
  });

  it('gives a tool that cannot report its version a binary-specific key instead of failing the plan', async () => {
    const version = await toolVersion(join(sandbox.root, 'slow/broken-helm'), 'helm');
    expect(version).toMatch(/^helm unknown-version \d+-\d+$/);
  });

  it('reports tool versions for cache keys, memoized', async () => {
    const helm = await toolVersion(tools.helm, 'helm');
    expect(helm).toMatch(/^helm v4\.1\./);
    expect(await toolVersion(tools.helm, 'helm')).toBe(helm);
    expect(await toolVersion(tools.kubectl, 'kubectl')).toMatch(/^kubectl v1\.35\.\d+ kustomize v5\.7/);
  });
});
