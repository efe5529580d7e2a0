import { afterEach, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const ORIGIN = 'https://github.com/acme/platform.git';

function application(name: string, path: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source: {repoURL: '${ORIGIN}', targetRevision: HEAD, path: ${path}}
  destination: {server: 'https://kubernetes.default.svc', namespace: ${name}}
`;
}

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

const repos: GitFixture[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

describe('app-of-apps', () => {
  it('follows parents recursively and survives a cycle', async () => {
    const repo = createGitFixture({ origin: ORIGIN });
    repos.push(repo);
    repo.commit({
      'bootstrap/root.yaml': application('root', 'layer1'),
      'layer1/team.yaml': application('team', 'layer2'),
      // A child that deploys its own ancestor again: Argo CD would fight over it; we must not loop.
      'layer2/back-to-root.yaml': application('root', 'layer1'),
      'layer2/leaf.yaml': application('leaf', 'leaf'),
      'leaf/cm.yaml': cm('leaf', 'one'),
    });
    repo.commit({ 'leaf/cm.yaml': cm('leaf', 'two') });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    const byName = Object.fromEntries(report.apps.map((a) => [a.name, a]));
    expect(byName.team?.origin).toBe('app-of-apps:root');
    expect(byName.leaf?.origin).toBe('app-of-apps:team');
    expect(byName.leaf?.status).toBe('changed');
    // The chain from the outermost parent, stopping where the cycle would start again.
    expect(byName.leaf?.parents).toEqual(['root', 'team']);
    expect(renderMarkdown(report)).toContain('| app-of-apps: root › team |');
    expect(report.apps.filter((a) => a.name === 'root')).toHaveLength(1);
  });

  it('plans a Helm chart of Applications that nothing deploys as an implicit root', async () => {
    const repo = createGitFixture({ origin: ORIGIN });
    repos.push(repo);
    repo.commit({
      'apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
      'apps/values.yaml': 'apps: [alpha]\n',
      'apps/templates/apps.yaml': `{{- range .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ . }}
  namespace: argocd
spec:
  project: default
  source: {repoURL: '${ORIGIN}', targetRevision: HEAD, path: {{ . }}}
  destination: {server: 'https://kubernetes.default.svc', namespace: {{ . }}}
{{- end }}
`,
      'alpha/cm.yaml': cm('alpha', '1'),
      'beta/cm.yaml': cm('beta', '1'),
    });
    repo.commit({ 'apps/values.yaml': 'apps: [alpha, beta]\n' });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    const summary = report.apps.map((a) => `${a.name} ${a.status} ${a.origin}`);
    expect(summary).toEqual([
      'alpha unchanged app-of-apps:apps',
      'apps changed apps',
      'beta added app-of-apps:apps',
    ]);
  });
});
