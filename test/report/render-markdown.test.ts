import { describe, expect, it } from 'vitest';
import type { AppReport, ClaimReport, GateResult } from '../../src/model/plan-report.ts';
import { buildReport } from '../../src/report/build-report.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { app, BASE, gate, HEAD, planReport, resource } from './report-fixtures.ts';

function render(
  apps: AppReport[],
  extra: { gates?: GateResult[]; claims?: ClaimReport[] } = {},
  maxDiffLines?: number,
) {
  const report = buildReport({
    base: BASE,
    head: HEAD,
    apps,
    gates: extra.gates ?? [],
    claims: extra.claims,
  });
  return renderMarkdown(report, maxDiffLines === undefined ? {} : { maxDiffLines });
}

/** Lines outside fenced code blocks, following CommonMark's rule for closing a backtick fence. */
function outsideFences(markdown: string): string[] {
  const out: string[] = [];
  let open = 0;
  for (const line of markdown.split('\n')) {
    const fence = /^ {0,3}(`{3,})/.exec(line)?.[1];
    if (open === 0 && fence) open = fence.length;
    else if (open > 0 && fence && fence.length >= open && /^ {0,3}`+\s*$/.test(line)) open = 0;
    else if (open === 0) out.push(line);
  }
  expect(open, 'every fence is closed').toBe(0);
  return out;
}

describe('renderMarkdown', () => {
  it('renders a representative comment', () => {
    const apps = [
      app({
        name: 'frontend',
        resources: [
          resource({
            kind: 'ConfigMap',
            group: '',
            name: 'frontend-config',
            action: 'create',
            diff: '--- /dev/null\n+++ head/ConfigMap/web/frontend-config\n@@ -0,0 +1,2 @@\n+data:\n+  mode: blue\n',
          }),
          resource(),
        ],
      }),
      app({
        name: 'payments',
        origin: 'applicationset:payments',
        destination: { server: 'https://prod.example.com', namespace: 'payments' },
        status: 'error',
        error: 'helm template failed:\nError: values.yaml: line 3: mapping values are not allowed',
        resources: [],
      }),
      app({
        name: 'legacy',
        origin: 'app-of-apps:root',
        status: 'removed',
        resources: [
          resource({
            name: 'legacy',
            namespace: 'legacy',
            action: 'delete',
            diff: '--- base/Deployment/legacy/legacy\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-replicas: 1\n',
          }),
        ],
      }),
      app({ name: 'docs', status: 'unchanged', resources: undefined }),
    ];
    const gates = [
      gate({ id: 'config', message: 'repository config is valid' }),
      gate({
        id: 'render',
        status: 'fail',
        message: 'payments: helm template failed',
        app: 'payments',
        file: 'appsets/payments.yaml',
        line: 7,
      }),
      gate({
        id: 'destructive',
        status: 'needs-approval',
        message: 'deletes Deployment legacy/legacy',
        app: 'legacy',
      }),
    ];
    expect(render(apps, { gates })).toMatchInlineSnapshot(`
      "### Mergeplane plan

      \`1111111\` → \`2222222\`

      #### Gates: 1 gate failing, 1 awaiting approval

      - ❌ **render**: payments: helm template failed · app **payments** · \`appsets/payments.yaml:7\`
      - ⏸️ **destructive**: deletes Deployment legacy/legacy · app **legacy**

      A user with write access can approve with a \`/mergeplane approve\` comment.

      #### Errors

      **payments**

      \`\`\`text
      helm template failed:
      Error: values.yaml: line 3: mapping values are not allowed
      \`\`\`

      **1 app changed, 0 added, 1 removed, 1 error** · 1 to create, 1 to update, 1 to delete

      | App | Status | Origin | Destination | Create | Update | Delete | Lines |
      | --- | --- | --- | --- | ---: | ---: | ---: | ---: |
      | **payments** | ❌ error | applicationset:payments | https://prod.example.com / payments | — | — | — | — |
      | **frontend** | ✏️ changed | apps/frontend.yaml | in-cluster / web | 1 | 1 | 0 | +3 −1 |
      | **legacy** | ➖ removed | app-of-apps:root | in-cluster / web | 0 | 0 | 1 | +0 −1 |

      1 unchanged application is not shown.

      <details><summary><b>frontend</b> — ✏️ changed · 1 to create, 1 to update</summary>

      **create** \`ConfigMap web/frontend-config\`

      \`\`\`diff
      --- /dev/null
      +++ head/ConfigMap/web/frontend-config
      @@ -0,0 +1,2 @@
      +data:
      +  mode: blue
      \`\`\`

      **update** \`apps/Deployment web/frontend\`

      \`\`\`diff
      --- base/Deployment/web/frontend
      +++ head/Deployment/web/frontend
      @@ -1,1 +1,1 @@
      -  replicas: 1
      +  replicas: 2
      \`\`\`

      </details>

      <details><summary><b>legacy</b> — ➖ removed · 1 to delete</summary>

      **delete** \`apps/Deployment legacy/legacy\`

      \`\`\`diff
      --- base/Deployment/legacy/legacy
      +++ /dev/null
      @@ -1,1 +0,0 @@
      -replicas: 1
      \`\`\`

      </details>
      "
    `);
  });

  it('says so when no application is affected', () => {
    expect(render([])).toBe(
      '### Mergeplane plan\n\n`1111111` → `2222222`\n\nNo Argo CD applications are affected by this change.\n',
    );
    const out = render([app({ name: 'a', status: 'unchanged' }), app({ name: 'b', status: 'unchanged' })]);
    expect(out).toContain(
      'No Argo CD applications are affected by this change.\n\n2 unchanged applications are not shown.',
    );
    expect(out).not.toContain('| App |');
    expect(out).not.toContain('<details>');
  });

  it('still shows failing gates when nothing is affected', () => {
    const out = render([], {
      gates: [
        gate({
          id: 'config',
          status: 'fail',
          message: 'apps: expected array',
          file: '.github/mergeplane.yml',
          line: 2,
        }),
      ],
    });
    expect(out).toContain('- ❌ **config**: apps: expected array · `.github/mergeplane.yml:2`');
    expect(out).toContain('No Argo CD applications are affected by this change.');
  });

  it('puts errors first, then orders apps by name, in the table and the details', () => {
    const out = render([
      app({ name: 'b-app' }),
      app({
        name: 'z-broken',
        status: 'error',
        error: 'z failed',
        resources: [resource({ action: 'delete' })],
      }),
      app({ name: 'a-app', status: 'added' }),
      app({ name: 'c-broken', status: 'error', error: 'c failed', resources: [] }),
      app({ name: 'quiet', status: 'unchanged' }),
    ]);
    const rows = out
      .split('\n')
      .filter((l) => l.startsWith('| **'))
      .map((l) => l.split(' | ')[0]);
    expect(rows).toEqual(['| **c-broken**', '| **z-broken**', '| **a-app**', '| **b-app**']);
    const details = [...out.matchAll(/<details><summary><b>([^<]+)<\/b>/g)].map((m) => m[1]);
    // c-broken has no partial plan, so nothing to expand: its error is listed under Errors.
    expect(details).toEqual(['z-broken', 'a-app', 'b-app']);
    expect(out).toContain('Partial plan: the application has errors, see Errors above.');
    expect(out).toContain('1 unchanged application is not shown.');
    expect(out).not.toContain('quiet');
    expect(out.indexOf('#### Errors')).toBeLessThan(out.indexOf('| App |'));
  });

  it('lists failing gates before gates awaiting approval, and no passing gates', () => {
    const out = render([app()], {
      gates: [
        gate({
          id: 'destructive',
          status: 'needs-approval',
          message: 'deletes PersistentVolumeClaim web/data',
          app: 'frontend',
        }),
        gate({ id: 'config', status: 'pass', message: 'repository config is valid' }),
        gate({
          id: 'manifests',
          status: 'fail',
          message: 'bad.yaml: invalid YAML',
          file: 'bad.yaml',
          line: 4,
        }),
      ],
    });
    const gateLines = out.split('\n').filter((l) => /^- (❌|⏸️)/.test(l));
    expect(gateLines).toEqual([
      '- ❌ **manifests**: bad.yaml: invalid YAML · `bad.yaml:4`',
      '- ⏸️ **destructive**: deletes PersistentVolumeClaim web/data · app **frontend**',
    ]);
    expect(out).toContain('#### Gates: 1 gate failing, 1 awaiting approval');
    expect(out).not.toContain('repository config is valid');
    expect(out.indexOf('#### Gates')).toBeLessThan(out.indexOf('| App |'));
  });

  it('shows a long gate message whole in a code block under the item', () => {
    const out = render([], {
      gates: [gate({ id: 'manifests', status: 'fail', message: 'first line\nsecond ``` line' })],
    });
    expect(out).toContain(
      '- ❌ **manifests**: first line …\n\n  ````text\n  first line\n  second ``` line\n  ````',
    );
  });

  it('refers to the Errors section when a gate repeats an app error', () => {
    const out = render(
      [app({ name: 'api', status: 'error', error: 'render failed\nline two', resources: [] })],
      {
        gates: [gate({ status: 'fail', message: 'api: render failed\nline two', app: 'api' })],
      },
    );
    expect(out).toContain('- ❌ **render**: api: render failed … · app **api** (full output under Errors)');
    expect(out).toContain('**api**\n\n```text\nrender failed\nline two\n```');
  });

  it('counts the summary line from the report', () => {
    const out = render([
      app({ name: 'a', resources: [resource({ action: 'create' }), resource({ action: 'update' })] }),
      app({ name: 'b', status: 'added', resources: [resource({ action: 'create' })] }),
      app({ name: 'c', status: 'error', error: 'x', resources: [] }),
    ]);
    expect(out).toContain(
      '**1 app changed, 1 added, 0 removed, 1 error** · 2 to create, 1 to update, 0 to delete',
    );
    expect(out).toContain('| **c** | ❌ error | apps/frontend.yaml | in-cluster / web | — | — | — |');
    expect(out).toContain('| **a** | ✏️ changed | apps/frontend.yaml | in-cluster / web | 1 | 1 | 0 |');
  });

  it('qualifies app names that appear in more than one namespace', () => {
    const out = render([
      app({ namespace: 'team-a', name: 'api' }),
      app({ namespace: 'team-b', name: 'api' }),
    ]);
    expect(out).toContain('| **team-a/api** |');
    expect(out).toContain('<summary><b>team-b/api</b>');
  });

  it('names the kinds of an app it could not validate, inside that app', () => {
    const out = render([
      app({ name: 'monitoring', notValidated: ['ServiceMonitor (monitoring.coreos.com/v1)'] }),
    ]);
    const details = out.slice(out.indexOf('<summary><b>monitoring</b>'));
    expect(details).toContain('Not validated (no schema');
    expect(details).toContain('`ServiceMonitor (monitoring.coreos.com/v1)`');
    expect(render([app({ name: 'monitoring' })])).not.toContain('Not validated');
  });

  it('puts the provisioning plan before the app diffs', () => {
    const claim: ClaimReport = {
      apiVersion: 'platform.example.org/v1alpha1',
      kind: 'Bucket',
      namespace: 'team-a',
      name: 'assets',
      action: 'create',
      composition: 'bucket-aws',
      composed: [],
      destructive: false,
    };
    const out = render([app()], { claims: [claim] });
    expect(out).toContain('| Bucket team-a/assets | ➕ create | bucket-aws | no |');
    expect(out.indexOf('#### Provisioning plan')).toBeGreaterThan(out.indexOf('| App |'));
    expect(out.indexOf('#### Provisioning plan')).toBeLessThan(out.indexOf('<details>'));
    expect(render([app()])).not.toContain('Provisioning plan');
  });

  it('uses a longer fence when the diff contains triple backticks', () => {
    const diff = '--- base\n+++ head\n@@ -1 +1 @@\n-  doc: |\n-    ```\n+    ````sh\n+    ```\n';
    const out = render([app({ resources: [resource({ diff })] })]);
    expect(out).toContain(
      '`````diff\n--- base\n+++ head\n@@ -1 +1 @@\n-  doc: |\n-    ```\n+    ````sh\n+    ```\n`````',
    );
    expect(outsideFences(out)).toContain('</details>');
  });

  it('truncates a huge diff with a note', () => {
    const diff = [
      '--- base',
      '+++ head',
      '@@ -1,1000 +1,1000 @@',
      ...Array.from({ length: 997 }, (_, i) => `+line ${i}`),
    ].join('\n');
    const out = render([app({ resources: [resource({ diff })] })], {}, 10);
    expect(out).toContain('+line 6\n```\n\n_Diff truncated: 10 of 1000 lines shown._');
    expect(out).not.toContain('+line 7\n');
    const byDefault = render([app({ resources: [resource({ diff })] })]);
    expect(byDefault).toContain('+line 496\n```\n\n_Diff truncated: 500 of 1000 lines shown._');
    expect(render([app()])).not.toContain('truncated');
  });

  it('renders blank lines around the Markdown inside <details>', () => {
    const out = render([app()]);
    expect(out).toMatch(/<\/summary>\n\n\*\*update\*\*/);
    expect(out).toMatch(/```\n\n<\/details>\n$/);
  });

  it('is deterministic', () => {
    const apps = [app({ name: 'b' }), app({ name: 'a', status: 'error', error: 'e', resources: [] })];
    expect(render(apps)).toBe(render([...apps].reverse()));
  });

  it('accepts a title', () => {
    const report = buildReport({ base: 'main', head: 'feature/x', apps: [], gates: [] });
    expect(renderMarkdown(report, { title: 'Plan (part 1 of 2)' })).toMatch(
      /^### Plan \(part 1 of 2\)\n\n`main` → `feature\/x`\n/,
    );
  });

  describe('escaping of repository content', () => {
    const hostile = 'x`y</details><script>alert(1)</script>|*_[a](b) @octocat';
    const out = render(
      [
        app({
          name: hostile,
          origin: `apps/${hostile}.yaml`,
          destination: { name: '@cluster|x', namespace: '<ns>' },
          resources: [
            resource({
              kind: 'Config`Map',
              name: '</details>',
              diff: '--- base\n+++ head\n@@ -1 +1 @@\n-a: </details>\n+a: ``` <script>@octocat</script>\n',
            }),
          ],
        }),
        app({
          name: 'broken @team',
          status: 'error',
          error: '```\n</details>\n<img src=x onerror=alert(1)> @admin',
          resources: [],
        }),
      ],
      {
        gates: [
          gate({
            id: 'render',
            status: 'fail',
            message: 'failed: <b>@octocat</b> | `x`',
            app: '@octocat',
            file: 'a`b.yaml',
            line: 1,
          }),
        ],
      },
    );
    const prose = outsideFences(out);

    it('leaves no raw HTML outside code blocks besides our own tags', () => {
      const tags = prose.join('\n').match(/<\/?[a-z]+[^>]*>/gi) ?? [];
      expect(new Set(tags)).toEqual(
        new Set(['<details>', '<summary>', '</summary>', '<b>', '</b>', '</details>']),
      );
      expect(prose.filter((l) => l === '</details>')).toHaveLength(1);
      expect(prose.filter((l) => l.startsWith('<details>'))).toHaveLength(1);
    });

    it('leaves no live mention outside code', () => {
      // Inside code spans and fences GitHub does not link mentions.
      const text = prose.join('\n').replace(/(`+)[^`]*?\1/g, '');
      expect(text).not.toMatch(/@\w/);
      expect(text).toContain('@\u200boctocat');
    });

    it('keeps table rows to their eight cells', () => {
      const rows = prose.filter((l) => l.startsWith('| **'));
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.match(/\|/g)).toHaveLength(9);
    });

    it('keeps repository text inside code spans and fences intact', () => {
      expect(out).toContain('**update** ``apps/Config`Map web/</details>``');
      expect(out).toContain(
        '````diff\n--- base\n+++ head\n@@ -1 +1 @@\n-a: </details>\n+a: ``` <script>@octocat</script>\n````',
      );
      expect(out).toContain('````text\n```\n</details>\n<img src=x onerror=alert(1)> @admin\n````');
      expect(out).toContain('``a`b.yaml:1``');
    });
  });
});

describe('the link to the check run in the heading', () => {
  it('links the check run GitHub returned', () => {
    const markdown = renderMarkdown(planReport(), {
      checkRun: { name: 'Mergeplane / plan', url: 'https://github.com/acme/gitops/runs/42' },
    });
    expect(markdown.split('\n')[2]).toMatch(
      / · \[check run `Mergeplane \/ plan`\]\(https:\/\/github\.com\/acme\/gitops\/runs\/42\)$/,
    );
  });

  it.each([
    'javascript:alert(1)',
    'https://github.com/x) [injected](https://evil.example',
    'https://github.com/runs/1 "title"',
  ])('names the check run without a link when the URL is not a plain http(s) URL: %s', (url) => {
    const line = renderMarkdown(planReport(), { checkRun: { name: 'Mergeplane / plan', url } }).split(
      '\n',
    )[2]!;
    expect(line).toMatch(/ · check run `Mergeplane \/ plan`$/);
    expect(line).not.toContain('](');
  });

  it('is absent outside the GitHub App (the CLI output does not change)', () => {
    expect(renderMarkdown(planReport()).split('\n')[2]).not.toContain('check run');
  });
});
