import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApplication } from '../../src/render/render-application.ts';
import { RenderError, UnsafeContentError } from '../../src/render/render-error.ts';
import { toolVersion } from '../../src/render/resolve-tool.ts';
import {
  appWith,
  cm,
  contextFor,
  createTestRepo,
  failure,
  realTools,
  type TestRepo,
} from './render-test-repo.ts';

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
  let repo: TestRepo;
  let secret: string;
  beforeAll(() => {
    repo = createTestRepo();
    secret = join(repo.outside, 'secret.yaml');
    writeFileSync(secret, `v: ${MARKER}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${MARKER}\n`);
    repo.add({ 'secret-dir/kustomization.yaml': `resources:\n  - secret.yaml\n` }, repo.outside);
    repo.add({ 'secret-dir/secret.yaml': cm(MARKER) }, repo.outside);
    repo.add({
      'chart/Chart.yaml': CHART,
      'chart/templates/cm.yaml': TEMPLATE,
      'chart/values-ok.yaml': { link: '../shared/values.yaml' },
      'values/secret.yaml': { link: secret },
      'values/host.yaml': { link: '/etc/hostname' },
      'shared/values.yaml': 'v: linked-inside\n',
      'chart-tpl/Chart.yaml': CHART,
      'chart-tpl/templates/leak.yaml': { link: secret },
      'chart-indirect/Chart.yaml': CHART,
      'chart-indirect/templates/cm.yaml': TEMPLATE,
      'chart-indirect/templates/more': { link: '../../indirect' },
      'indirect/evil.yaml': { link: secret },
      'chart-schema/Chart.yaml': CHART,
      'chart-schema/templates/cm.yaml': TEMPLATE,
      'chart-schema/values.schema.json': JSON.stringify({
        type: 'object',
        properties: { v: { $ref: `file://${secret}` } },
      }),
      'dep-escape/Chart.yaml': `${CHART}dependencies:\n  - name: x\n    version: 0.1.0\n    repository: file://../../host/secret-dir\n`,
      'dir/a.yaml': cm('a'),
      'dir/excluded/leak.yaml': { link: secret },
      'dir-dangling/a.yaml': cm('a'),
      'dir-dangling/gone.yaml': { link: join(repo.outside, 'does-not-exist.yaml') },
      'linked-app': { link: join(repo.outside, 'secret-dir') },
      'kust-file/kustomization.yaml': 'resources:\n  - leak.yaml\n',
      'kust-file/leak.yaml': { link: secret },
      'kust-dir/kustomization.yaml': 'resources:\n  - ../secret-link\n',
      'secret-link': { link: join(repo.outside, 'secret-dir') },
      'kust-patch/kustomization.yaml': `resources:\n  - cm.yaml\n`,
      'kust-patch/cm.yaml': cm('a'),
      'kust-patch/patch.yaml': { link: secret },
      'certs/tls.crt': { link: secret },
    });
  });
  afterAll(() => repo.cleanup());

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
    const error = await failure(
      renderApplication(appWith({ name: 'guarded', source }), contextFor(repo.root)),
    );
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toContain('application guarded');
    expect(error.message).toContain(link);
    expect((error as UnsafeContentError).file).toBe(link);
    expect(exposed(error)).not.toContain(MARKER);
    expect(exposed(error)).not.toContain(repo.outside);
  });

  it('follows links that stay inside the repository', async () => {
    const out = await renderApplication(
      appWith({ source: { path: 'chart', helm: { valueFiles: ['values-ok.yaml'] } } }),
      contextFor(repo.root),
    );
    expect(out.objects[0]?.data).toEqual({ v: 'linked-inside' });
  });

  it('refuses a file:// dependency outside the repository', async () => {
    const error = await failure(
      renderApplication(appWith({ source: { path: 'dep-escape' } }), contextFor(repo.root)),
    );
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(exposed(error)).not.toContain(MARKER);
  });

  it('refuses a values schema that would load another document', async () => {
    const error = await failure(
      renderApplication(appWith({ source: { path: 'chart-schema' } }), contextFor(repo.root)),
    );
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toContain('chart-schema/values.schema.json');
    expect(exposed(error)).not.toContain(MARKER);
  });
});

describe('renderApplication: bounds', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = createTestRepo({
      'chart/Chart.yaml': CHART,
      'chart/templates/many.yaml':
        '{{- range until 400 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\ndata:\n  pad: {{ repeat 200 "x" | quote }}\n{{- end }}\n',
      'kust/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'kust/cm.yaml': cm('a', `  pad: ${'y'.repeat(5000)}\n`),
      'slow/fake-helm': { script: '#!/bin/sh\nsleep 30\n' },
      'slow/broken-helm': { script: '#!/bin/sh\nexit 1\n' },
    });
  });
  afterAll(() => repo.cleanup());

  it('fails a helm render whose output passes maxOutputBytes', async () => {
    const error = await failure(
      renderApplication(
        appWith({ source: { path: 'chart' } }),
        contextFor(repo.root, { maxOutputBytes: 16 * 1024 }),
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/helm template output exceeded the limit of 16384 bytes/);
  });

  it('fails a kustomize render whose output passes maxOutputBytes', async () => {
    const error = await failure(
      renderApplication(
        appWith({ source: { path: 'kust' } }),
        contextFor(repo.root, { maxOutputBytes: 2048 }),
      ),
    );
    expect(error.message).toMatch(/kustomize build output exceeded the limit/);
  });

  it('kills a render that passes the timeout', async () => {
    const started = Date.now();
    const error = await failure(
      renderApplication(
        appWith({ source: { path: 'chart' } }),
        contextFor(repo.root, {
          timeoutMs: 300,
          tools: { ...realTools, helm: join(repo.root, 'slow/fake-helm') },
        }),
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/helm template timed out after 0.3s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('renders the same chart within bounds', async () => {
    const out = await renderApplication(appWith({ source: { path: 'chart' } }), contextFor(repo.root));
    expect(out.objects).toHaveLength(400);
  });

  it('gives a tool that cannot report its version a binary-specific key instead of failing the plan', async () => {
    const version = await toolVersion(join(repo.root, 'slow/broken-helm'), 'helm');
    expect(version).toMatch(/^helm unknown-version \d+-\d+$/);
  });

  it('reports tool versions for cache keys, memoized', async () => {
    const helm = await toolVersion(realTools.helm, 'helm');
    expect(helm).toMatch(/^helm v4\.1\./);
    expect(await toolVersion(realTools.helm, 'helm')).toBe(helm);
    expect(await toolVersion(realTools.kubectl, 'kubectl')).toMatch(/^kubectl v1\.35\.\d+ kustomize v5\.7/);
  });
});
