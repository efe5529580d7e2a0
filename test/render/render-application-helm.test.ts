import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidManifestError,
  RenderError,
  UnsafeContentError,
  UnsupportedSourceError,
} from '../../src/render/render-error.ts';
import { createSandbox, find, rejection, render, type Sandbox, WEB } from './render-fixture.ts';

const CHART = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';
const VALUES_CM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-values
  namespace: {{ .Release.Namespace }}
data:
  greeting: {{ .Values.greeting | quote }}
  size: {{ .Values.size | quote }}
  kind: {{ kindOf .Values.size | quote }}
  list: {{ .Values.list | toJson | quote }}
  cert: {{ .Values.cert | default "" | quote }}
  policy: {{ .Capabilities.APIVersions.Has "acme.io/v1/Policy" | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
`;

describe('renderApplication: helm sources', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = createSandbox({
      'charts/web/Chart.yaml': CHART,
      'charts/web/values.yaml': 'greeting: hello\nsize: 1\nlist: []\n',
      'charts/web/values-prod.yaml': 'greeting: prod\n',
      'charts/web/templates/cm.yaml': VALUES_CM,
      'charts/web/templates/tests/test-pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: []\n',
      'charts/web/crds/crd.yaml':
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.acme.io\n',
      'values/shared.yaml': 'greeting: shared\n',
      'certs/tls.crt': 'CERTDATA',
      'umbrella/Chart.yaml':
        'apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: lib\n    version: 0.2.0\n    repository: file://../libs/lib\n',
      'umbrella/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: umbrella\n',
      'libs/lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 0.2.0\n',
      'libs/lib/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-lib\ndata:\n  v: {{ .Values.v | default "d" | quote }}\n',
      'broken/Chart.yaml': 'apiVersion: v2\nname: broken\nversion: 0.1.0\n',
      'broken/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | required "name is required" }}\n',
      'syntax/Chart.yaml': 'apiVersion: v2\nname: syntax\nversion: 0.1.0\n',
      'syntax/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{{ if }}\n',
      'notobj/Chart.yaml': 'apiVersion: v2\nname: notobj\nversion: 0.1.0\n',
      'notobj/templates/ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n',
      'notobj/templates/bad.yaml': 'just: a map\n',
      'remote-dep/Chart.yaml':
        'apiVersion: v2\nname: rd\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n',
    });
  });
  afterAll(() => sandbox.cleanup());

  it('renders with chart defaults, the app name as release and the destination namespace, CRDs included', async () => {
    const out = await render(sandbox, { ...WEB, source: { path: 'charts/web' } });
    expect(out.sourceType).toBe('helm');
    expect(find(out.objects, 'ConfigMap', 'web-values').metadata.namespace).toBe('team');
    expect(find(out.objects, 'ConfigMap', 'web-values').data).toMatchObject({ greeting: 'hello', size: '1' });
    find(out.objects, 'CustomResourceDefinition', 'widgets.acme.io');
    find(out.objects, 'Pod', 'web-test');
  });

  it('layers value files, values, parameters and file parameters in Argo CD order', async () => {
    const app = {
      ...WEB,
      source: {
        path: 'charts/web',
        helm: {
          releaseName: 'rel',
          namespace: 'helm-ns',
          valueFiles: ['values-prod.yaml', '/values/shared.yaml'],
          values: 'size: 3\n',
          parameters: [
            { name: 'list', value: '{a,b}' },
            { name: 'size', value: '007', forceString: true },
          ],
          fileParameters: [{ name: 'cert', path: '../../certs/tls.crt' }],
          skipCrds: true,
          skipTests: true,
          apiVersions: ['acme.io/v1/Policy'],
          kubeVersion: '1.31.0',
        },
      },
    };
    const out = await render(sandbox, app);
    const values = find(out.objects, 'ConfigMap', 'rel-values');
    expect(values.metadata.namespace).toBe('helm-ns');
    expect(values.data).toEqual({
      greeting: 'shared',
      size: '007',
      kind: 'string',
      list: '["a","b"]',
      cert: 'CERTDATA',
      policy: 'true',
      kube: 'v1.31.0',
    });
    expect(out.objects.some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
    expect(out.objects.some((o) => o.kind === 'Pod')).toBe(false);
  });

  it('prefers valuesObject over the values string, and --set keeps commas', async () => {
    const out = await render(sandbox, {
      ...WEB,
      source: {
        path: 'charts/web',
        helm: {
          values: 'greeting: from-string\n',
          valuesObject: { greeting: 'from-object' },
          parameters: [{ name: 'cert', value: 'a,b' }],
        },
      },
    });
    expect(find(out.objects, 'ConfigMap', 'web-values').data).toMatchObject({
      greeting: 'from-object',
      cert: 'a,b',
    });
  });

  it('fails on a missing value file unless ignoreMissingValueFiles', async () => {
    const error = await rejection(
      render(sandbox, { ...WEB, source: { path: 'charts/web', helm: { valueFiles: ['nope.yaml'] } } }),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('value file nope.yaml not found');
    expect((error as RenderError).file).toBe('charts/web/nope.yaml');
    const out = await render(sandbox, {
      ...WEB,
      source: { path: 'charts/web', helm: { valueFiles: ['nope.yaml'], ignoreMissingValueFiles: true } },
    });
    expect(find(out.objects, 'ConfigMap', 'web-values').data).toMatchObject({ greeting: 'hello' });
  });

  it('refuses value files that leave the repository', async () => {
    const error = await rejection(
      render(sandbox, {
        ...WEB,
        source: { path: 'charts/web', helm: { valueFiles: ['../../../outside/x.yaml'] } },
      }),
    );
    expect(error).toBeInstanceOf(UnsafeContentError);
  });

  it('builds a local file:// dependency offline in a copy', async () => {
    const { existsSync } = await import('node:fs');
    const out = await render(sandbox, {
      ...WEB,
      source: { path: 'umbrella', helm: { valuesObject: { lib: { v: 'set' } } } },
    });
    expect(find(out.objects, 'ConfigMap', 'from-lib').data).toEqual({ v: 'set' });
    find(out.objects, 'ConfigMap', 'umbrella');
    expect(existsSync(`${sandbox.root}/umbrella/charts`)).toBe(false);
  });

  it('refuses dependencies from chart repositories, and charts from Helm repositories without a chart fetcher', async () => {
    const dep = await rejection(render(sandbox, { ...WEB, source: { path: 'remote-dep' } }));
    expect(dep).toBeInstanceOf(UnsafeContentError);
    expect(dep.message).toMatch(/redis comes from https:\/\/charts.example.com.*no network access/);
    const chart = await rejection(
      render(sandbox, {
        ...WEB,
        source: { repoURL: 'https://charts.bitnami.com/bitnami', chart: 'nginx', targetRevision: '15.0.0' },
      }),
    );
    expect(chart).toBeInstanceOf(UnsupportedSourceError);
    expect(chart.message).toMatch(
      /chart nginx@15.0.0 from https:\/\/charts.bitnami.com\/bitnami: charts from Helm repositories are not fetched/,
    );
  });

  it("reports helm's error, located in the template when helm says where", async () => {
    const required = await rejection(render(sandbox, { ...WEB, source: { path: 'broken' } }));
    expect(required).toBeInstanceOf(RenderError);
    expect(required.message).toMatch(
      /^application web: source path broken: helm template failed: .*name is required/s,
    );
    expect(required.message).not.toContain('mergeplane-render-');
    expect((required as RenderError).file).toBe('broken/templates/cm.yaml');
    const syntax = await rejection(render(sandbox, { ...WEB, source: { path: 'syntax' } }));
    expect(syntax).toBeInstanceOf(RenderError);
    expect((syntax as RenderError).file).toBe('syntax/templates/cm.yaml');
    expect((syntax as RenderError).line).toBe(5);
  });

  it('points an invalid rendered document at its template', async () => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'notobj' } }));
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).file).toBe('notobj/templates/bad.yaml');
  });

  it('resolves $ref value files through a multi-source ref to this repository', async () => {
    const out = await render(sandbox, {
      ...WEB,
      sources: [
        { path: 'charts/web', helm: { valueFiles: ['$values/values/shared.yaml'] } },
        { ref: 'values' },
      ],
    });
    expect(out.sourceType).toBe('helm');
    expect(find(out.objects, 'ConfigMap', 'web-values').data).toMatchObject({ greeting: 'shared' });
    const other = await rejection(
      render(sandbox, {
        ...WEB,
        sources: [
          { path: 'charts/web', helm: { valueFiles: ['$values/values/shared.yaml'] } },
          { ref: 'values', repoURL: 'https://github.com/else/values.git' },
        ],
      }),
    );
    expect(other).toBeInstanceOf(UnsupportedSourceError);
  });
});
