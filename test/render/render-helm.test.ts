import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { RenderError, UnsafeContentError } from '../../src/render/render-error.ts';
import { createSandbox, find, names, REPO_URL, rejection, render, type Sandbox } from './render-fixture.ts';

const CHART_YAML = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';

/** A chart whose one ConfigMap echoes what the render received. */
const CHART = {
  'charts/web/Chart.yaml': CHART_YAML,
  'charts/web/values.yaml': 'color: blue\nsize: small\nnested:\n  keep: default\n',
  'charts/web/templates/info.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
  namespace: {{ .Release.Namespace }}
data:
  release: {{ .Release.Name | quote }}
  color: {{ .Values.color | quote }}
  size: {{ .Values.size | quote }}
  keep: {{ .Values.nested.keep | quote }}
  extra: {{ .Values.extra | default "none" | quote }}
  number: {{ printf "%T" .Values.number | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  monitoring: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" | quote }}
  {{- with .Values.certificate }}
  certificate: {{ . | quote }}
  {{- end }}
`,
  'charts/web/crds/widget.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]
`,
  'values/prod.yaml': 'color: red\n',
  'values/shared.yaml': 'size: large\n',
  'certs/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

function info(objects: KubeObject[], release = 'demo'): Record<string, string> {
  return find(objects, 'ConfigMap', `${release}-info`).data as Record<string, string>;
}

describe('helm sources', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  it('uses the app name as release name and the destination namespace, with CRDs included', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, { namespace: 'web-prod', source: { path: 'charts/web' } });
    expect(out.sourceType).toBe('helm');
    const cm = find(out.objects, 'ConfigMap', 'demo-info');
    expect(cm.metadata.namespace).toBe('web-prod');
    expect(info(out.objects)).toMatchObject({ release: 'demo', color: 'blue', size: 'small' });
    expect(names(out.objects)).toContain('CustomResourceDefinition/widgets.example.com');
  });

  it('takes an explicit releaseName and helm.namespace', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      namespace: 'ignored',
      source: { path: 'charts/web', helm: { releaseName: 'custom', namespace: 'explicit' } },
    });
    expect(find(out.objects, 'ConfigMap', 'custom-info').metadata.namespace).toBe('explicit');
  });

  it('skips CRDs with skipCrds', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, { source: { path: 'charts/web', helm: { skipCrds: true } } });
    expect(names(out.objects)).toEqual(['ConfigMap/demo-info']);
  });

  it('applies value files relative to the chart, outside it, and from the repository root, in order', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { valueFiles: ['../../values/prod.yaml', '/values/shared.yaml'] } },
    });
    expect(info(out.objects)).toMatchObject({ color: 'red', size: 'large', keep: 'default' });
  });

  it('lets a later value file win', async () => {
    sandbox = createSandbox({ ...CHART, 'values/blue.yaml': 'color: green\n' });
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { valueFiles: ['/values/prod.yaml', '/values/blue.yaml'] } },
    });
    expect(info(out.objects).color).toBe('green');
  });

  it('reads a value file under a dotted directory as a local path, not a URL', async () => {
    sandbox = createSandbox({ ...CHART, 'charts/web/env.d/prod.yaml': 'color: dotted\n' });
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { valueFiles: ['env.d/prod.yaml'] } },
    });
    expect(info(out.objects).color).toBe('dotted');
  });

  it('refuses a value file URL unless allowed', async () => {
    sandbox = createSandbox(CHART);
    const error = await rejection(
      render(sandbox, {
        source: { path: 'charts/web', helm: { valueFiles: ['https://example.com/values.yaml'] } },
      }),
    );
    expect(error).toBeInstanceOf(UnsafeContentError);
  });

  it('fails on a missing value file unless ignoreMissingValueFiles', async () => {
    sandbox = createSandbox(CHART);
    const source = { path: 'charts/web', helm: { valueFiles: ['missing.yaml', '/values/prod.yaml'] } };
    const error = await rejection(render(sandbox, { source }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('missing.yaml');
    expect(error.message).not.toContain(sandbox.root);
    const out = await render(sandbox, {
      source: { ...source, helm: { ...source.helm, ignoreMissingValueFiles: true } },
    });
    expect(info(out.objects).color).toBe('red');
  });

  it('applies the values string', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { values: 'color: purple\n' } },
    });
    expect(info(out.objects).color).toBe('purple');
  });

  it('lets valuesObject replace the values string entirely', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: {
        path: 'charts/web',
        helm: { values: 'color: purple\nextra: from-values\n', valuesObject: { color: 'orange' } },
      },
    });
    expect(info(out.objects)).toMatchObject({ color: 'orange', extra: 'none' });
  });

  it('puts inline values after value files', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { valueFiles: ['/values/prod.yaml'], values: 'color: teal\n' } },
    });
    expect(info(out.objects).color).toBe('teal');
  });

  it('applies parameters over values, and forceString keeps a number a string', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: {
        path: 'charts/web',
        helm: {
          valuesObject: { color: 'orange', size: 'xl' },
          parameters: [
            { name: 'color', value: 'black' },
            { name: 'extra', value: 'a,b' },
            { name: 'number', value: '42', forceString: true },
            { name: 'nested.keep', value: 'param' },
          ],
        },
      },
    });
    expect(info(out.objects)).toMatchObject({
      color: 'black',
      size: 'xl',
      extra: 'a,b',
      number: 'string',
      keep: 'param',
    });
  });

  it('passes a number parameter as a number without forceString', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: { path: 'charts/web', helm: { parameters: [{ name: 'number', value: '42' }] } },
    });
    expect(info(out.objects).number).toBe('int64');
  });

  it('reads fileParameters relative to the chart', async () => {
    sandbox = createSandbox(CHART);
    const out = await render(sandbox, {
      source: {
        path: 'charts/web',
        helm: { fileParameters: [{ name: 'certificate', path: '../../certs/ca.pem' }] },
      },
    });
    expect(info(out.objects).certificate).toContain('BEGIN CERTIFICATE');
  });

  it('reports .Capabilities from apiVersions and kubeVersion', async () => {
    sandbox = createSandbox(CHART);
    const plain = await render(sandbox, { source: { path: 'charts/web' } });
    expect(info(plain.objects).monitoring).toBe('false');
    const out = await render(sandbox, {
      source: {
        path: 'charts/web',
        helm: { apiVersions: ['monitoring.coreos.com/v1'], kubeVersion: '1.29.3' },
      },
    });
    expect(info(out.objects)).toMatchObject({ monitoring: 'true', kube: 'v1.29.3' });
  });

  it('builds a local file:// dependency chart', async () => {
    sandbox = createSandbox({
      'charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 1.0.0\n',
      'charts/common/values.yaml': 'greeting: hello\n',
      'charts/common/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: common-{{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting }}\n',
      'charts/app/Chart.yaml': `apiVersion: v2
name: app
version: 0.1.0
dependencies:
  - name: common
    version: 1.0.0
    repository: file://../common
`,
      'charts/app/values.yaml': 'common:\n  greeting: hi-from-parent\n',
      'charts/app/templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
    });
    const out = await render(sandbox, { source: { path: 'charts/app' } });
    expect(names(out.objects)).toEqual(['ConfigMap/common-demo', 'ConfigMap/own']);
    expect(find(out.objects, 'ConfigMap', 'common-demo').data).toEqual({ greeting: 'hi-from-parent' });
  });

  it('refuses a dependency from a chart repository', async () => {
    sandbox = createSandbox({
      'charts/app/Chart.yaml': `apiVersion: v2
name: app
version: 0.1.0
dependencies:
  - name: redis
    version: 18.0.0
    repository: https://charts.bitnami.com/bitnami
`,
      'charts/app/templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'charts/app' } }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect((error as UnsafeContentError).file).toBe('charts/app/Chart.yaml');
  });

  it("reports a broken template with helm's message and the template file", async () => {
    sandbox = createSandbox({
      'charts/web/Chart.yaml': CHART_YAML,
      'charts/web/templates/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | nosuchfunc }}\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'charts/web' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('function "nosuchfunc" not defined');
    expect(error.message).not.toContain(sandbox.root);
    expect(error.message).not.toMatch(/\/tmp\//);
    expect((error as RenderError).file).toBe('charts/web/templates/broken.yaml');
  });

  it('reports a `fail` in a template', async () => {
    sandbox = createSandbox({
      'charts/web/Chart.yaml': CHART_YAML,
      'charts/web/templates/required.yaml': '{{ required "image.tag is required" .Values.image }}\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'charts/web' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('image.tag is required');
  });

  it('reads $ref value files from another source of a multi-source app', async () => {
    sandbox = createSandbox({ ...CHART, 'env/prod/web.yaml': 'color: magenta\n' });
    const out = await render(sandbox, {
      sources: [
        { path: 'charts/web', helm: { valueFiles: ['$values/env/prod/web.yaml'] } },
        { ref: 'values', targetRevision: 'main' },
      ],
    });
    expect(info(out.objects).color).toBe('magenta');
  });

  it('accepts a chart at the repository root', async () => {
    sandbox = createSandbox({
      'Chart.yaml': CHART_YAML,
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: root\n',
    });
    const out = await render(sandbox, { source: { repoURL: REPO_URL, path: '.' } });
    expect(names(out.objects)).toEqual(['ConfigMap/root']);
  });
});
