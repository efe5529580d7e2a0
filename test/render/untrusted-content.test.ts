import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnsafeContentError } from '../../src/render/render-error.ts';
import {
  configMap,
  createSandbox,
  find,
  names,
  rejection,
  render,
  type Sandbox,
  type Tree,
} from './render-fixture.ts';

/** Written outside the checkout; must never show up in an error or a rendered object. */
const MARKER = 'MARKER-host-secret-7f3a9c';

const CHART = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: {{ .Values.color | default "none" | quote }}
  files: {{ .Files.Glob "**" | len | quote }}
  {{- range $path, $_ := .Files.Glob "data/**" }}
  {{ base $path }}: {{ $.Files.Get $path | quote }}
  {{- end }}
`,
};

function expectNoLeak(sandbox: Sandbox, error: Error): void {
  for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(sandbox.outside);
  }
}

async function expectRefused(
  sandbox: Sandbox,
  app: Parameters<typeof render>[1],
): Promise<UnsafeContentError> {
  const error = await rejection(render(sandbox, app));
  expect(error).toBeInstanceOf(UnsafeContentError);
  expectNoLeak(sandbox, error);
  return error as UnsafeContentError;
}

describe('untrusted repository content', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  function setup(tree: Tree): Sandbox {
    sandbox = createSandbox();
    writeFileSync(join(sandbox.outside, 'secret.yaml'), `color: ${MARKER}\n`);
    writeFileSync(
      join(sandbox.outside, 'secret-cm.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\ndata:\n  v: ${MARKER}\n`,
    );
    // Relative links resolve from the link's directory; absolute ones are just as hostile.
    sandbox.write(
      Object.fromEntries(
        Object.entries(tree).map(([k, v]) => [
          k,
          typeof v === 'string'
            ? v.replaceAll('@OUTSIDE@', sandbox.outside)
            : 'symlink' in v
              ? { symlink: v.symlink.replaceAll('@OUTSIDE@', sandbox.outside) }
              : v,
        ]),
      ),
    );
    return sandbox;
  }

  describe('helm', () => {
    it('refuses a value file reached through a symlinked directory', async () => {
      setup({ ...CHART, values: { symlink: '@OUTSIDE@' } });
      await expectRefused(sandbox, {
        source: { path: 'charts/web', helm: { valueFiles: ['/values/secret.yaml'] } },
      });
    });

    it('refuses a relative symlink that climbs out of the checkout', async () => {
      setup({ ...CHART, 'charts/web/prod.yaml': { symlink: '../../../outside/secret.yaml' } });
      await expectRefused(sandbox, { source: { path: 'charts/web', helm: { valueFiles: ['prod.yaml'] } } });
    });

    it.each(['../../../../etc/hostname', '/../../etc/hostname', '../../../outside/secret.yaml'])(
      'refuses the value file path %s',
      async (valueFile) => {
        setup(CHART);
        await expectRefused(sandbox, { source: { path: 'charts/web', helm: { valueFiles: [valueFile] } } });
      },
    );

    it('refuses a $ref value file that climbs out of the checkout', async () => {
      setup(CHART);
      await expectRefused(sandbox, {
        sources: [
          { path: 'charts/web', helm: { valueFiles: ['$values/../outside/secret.yaml'] } },
          { ref: 'values' },
        ],
      });
    });

    it('refuses a symlinked directory inside the chart pointing outside', async () => {
      setup({ ...CHART, 'charts/web/data': { symlink: '@OUTSIDE@' } });
      await expectRefused(sandbox, { source: { path: 'charts/web' } });
    });

    it('refuses a dangling symlink that points outside', async () => {
      setup({ ...CHART, 'charts/web/data/gone': { symlink: '@OUTSIDE@/does-not-exist' } });
      await expectRefused(sandbox, { source: { path: 'charts/web' } });
    });

    it('refuses a file:// dependency outside the checkout', async () => {
      setup({
        'charts/web/Chart.yaml': `apiVersion: v2
name: web
version: 0.1.0
dependencies:
  - name: evil
    version: 1.0.0
    repository: file://../../../outside
`,
        'charts/web/templates/cm.yaml': configMap('web'),
      });
      await expectRefused(sandbox, { source: { path: 'charts/web' } });
    });

    it('refuses a chart whose values schema $refs a host file', async () => {
      setup({
        ...CHART,
        'charts/web/values.schema.json': JSON.stringify({
          type: 'object',
          properties: { color: { $ref: 'file://@OUTSIDE@/secret.yaml' } },
        }),
      });
      await expectRefused(sandbox, { source: { path: 'charts/web' } });
    });

    it('survives a symlink loop inside the chart', async () => {
      setup({ ...CHART, 'charts/web/data/loop': { symlink: '..' }, 'charts/web/data/a.txt': 'a' });
      const out = await render(sandbox, { source: { path: 'charts/web' } });
      expect(find(out.objects, 'ConfigMap', 'web').data).toMatchObject({ 'a.txt': 'a' });
    });

    it('allows symlinks that stay inside the checkout (files and directories)', async () => {
      setup({
        ...CHART,
        'values/real.yaml': 'color: linked\n',
        'values/prod.yaml': { symlink: 'real.yaml' },
        'shared/data/greeting.txt': 'hello',
        'charts/web/data': { symlink: '../../shared/data' },
      });
      const out = await render(sandbox, {
        source: { path: 'charts/web', helm: { valueFiles: ['/values/prod.yaml'] } },
      });
      expect(find(out.objects, 'ConfigMap', 'web').data).toMatchObject({
        color: 'linked',
        'greeting.txt': 'hello',
      });
    });
  });

  describe('directory', () => {
    it('refuses a manifest that is a symlink outside, before reading anything', async () => {
      setup({ 'app/a.yaml': configMap('a'), 'app/z.yaml': { symlink: '@OUTSIDE@/secret-cm.yaml' } });
      const error = await expectRefused(sandbox, { source: { path: 'app' } });
      expect(error.file).toBe('app/z.yaml');
    });

    it('refuses an app path that climbs out of the checkout', async () => {
      setup({});
      await expectRefused(sandbox, { source: { path: '../outside' } });
    });

    it('reads a symlinked manifest inside the checkout', async () => {
      setup({ 'shared/cm.yaml': configMap('shared'), 'app/cm.yaml': { symlink: '../shared/cm.yaml' } });
      const out = await render(sandbox, { source: { path: 'app' } });
      expect(names(out.objects)).toEqual(['ConfigMap/shared']);
    });
  });

  describe('kustomize', () => {
    it('refuses a symlink escape inside a base outside the app path', async () => {
      setup({
        'apps/web/kustomization.yaml': 'resources:\n  - ../../bases/web\n',
        'bases/web/kustomization.yaml': 'resources:\n  - cm.yaml\n',
        'bases/web/cm.yaml': { symlink: '@OUTSIDE@/secret-cm.yaml' },
      });
      await expectRefused(sandbox, { source: { path: 'apps/web' } });
    });

    it('refuses a generator file symlinked outside', async () => {
      setup({
        'app/kustomization.yaml': 'configMapGenerator:\n  - name: gen\n    files:\n      - key=data.txt\n',
        'app/data.txt': { symlink: '@OUTSIDE@/secret.yaml' },
      });
      await expectRefused(sandbox, { source: { path: 'app' } });
    });

    it('refuses a generator file that climbs out of the checkout', async () => {
      setup({
        'app/kustomization.yaml':
          'configMapGenerator:\n  - name: gen\n    files:\n      - ../../outside/secret.yaml\n',
      });
      await expectRefused(sandbox, { source: { path: 'app' } });
    });

    it('refuses a base given by absolute path', async () => {
      setup({ 'app/kustomization.yaml': 'resources:\n  - @OUTSIDE@\n' });
      const error = await rejection(render(sandbox, { source: { path: 'app' } }));
      expect(error).toBeInstanceOf(UnsafeContentError);
      expect(error.message).not.toContain(MARKER);
    });

    it('refuses an Application component that climbs out of the checkout', async () => {
      setup({ 'app/kustomization.yaml': 'resources:\n  - cm.yaml\n', 'app/cm.yaml': configMap('cm') });
      await expectRefused(sandbox, { source: { path: 'app', kustomize: { components: ['../../outside'] } } });
    });

    it('builds through a base symlinked inside the checkout', async () => {
      setup({
        'app/kustomization.yaml': 'resources:\n  - base\n',
        'app/base': { symlink: '../bases/web' },
        'bases/web/kustomization.yaml': 'resources:\n  - cm.yaml\n',
        'bases/web/cm.yaml': configMap('from-base'),
      });
      const out = await render(sandbox, { source: { path: 'app' } });
      expect(names(out.objects)).toEqual(['ConfigMap/from-base']);
    });
  });
});
