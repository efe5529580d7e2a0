import { describe, expect, it } from 'vitest';
import {
  type Annotation,
  type CheckRunOutput,
  checkRunFromReport,
  MAX_OUTPUT_LENGTH,
} from '../../src/github/check-run-output.ts';
import type { AppReport, ClaimReport, GateResult, PlanReport } from '../../src/model/plan-report.ts';
import { summarizeReport } from '../../src/report/summarize-report.ts';
import { app, BASE, gate, HEAD, resource } from '../report/report-fixtures.ts';
import { matchGitHubRequest } from '../support/github-openapi.ts';

function report(gates: GateResult[], apps: AppReport[] = [], claims: ClaimReport[] = []): PlanReport {
  return { version: 1, base: BASE, head: HEAD, summary: summarizeReport(apps), apps, claims, gates };
}

const PASSING = [gate({ id: 'config', message: 'repository config is valid' }), gate()];
const FAIL = gate({ id: 'render', status: 'fail', message: 'helm template failed', app: 'api' });
const DESTRUCTIVE = gate({ id: 'destructive', status: 'needs-approval', message: 'deletes Namespace web' });
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Every request the App would send for this output is valid against GitHub's OpenAPI description. */
function expectValidRequests(output: CheckRunOutput): void {
  expect(matchGitHubRequest('POST', '/repos/o/r/check-runs', output.payload).operationId).toBe(
    'checks/create',
  );
  const { title, summary } = output.payload.output;
  for (const annotations of output.extraAnnotations) {
    expect(
      matchGitHubRequest('PATCH', '/repos/o/r/check-runs/1', { output: { title, summary, annotations } })
        .operationId,
    ).toBe('checks/update');
  }
}

function build(plan: PlanReport, options: { approved?: boolean; commentUrl?: string } = {}) {
  const output = checkRunFromReport(plan, { headSha: HEAD, ...options });
  expectValidRequests(output);
  return output;
}

describe('checkRunFromReport', () => {
  it.each([
    { name: 'no gate failing', gates: PASSING, approved: false, conclusion: 'success' },
    { name: 'no gates at all', gates: [], approved: false, conclusion: 'success' },
    { name: 'a failing gate', gates: [...PASSING, FAIL], approved: false, conclusion: 'failure' },
    {
      name: 'fail wins over needs-approval',
      gates: [DESTRUCTIVE, FAIL],
      approved: false,
      conclusion: 'failure',
    },
    {
      name: 'fail wins even when approved',
      gates: [DESTRUCTIVE, FAIL],
      approved: true,
      conclusion: 'failure',
    },
    {
      name: 'needs-approval',
      gates: [...PASSING, DESTRUCTIVE],
      approved: false,
      conclusion: 'action_required',
    },
    {
      name: 'approved needs-approval',
      gates: [...PASSING, DESTRUCTIVE],
      approved: true,
      conclusion: 'success',
    },
  ] as const)('conclusion: $name → $conclusion', ({ gates, approved, conclusion }) => {
    const { payload } = build(report([...gates]), { approved });
    expect(payload.conclusion).toBe(conclusion);
    expect(payload.status).toBe('completed');
    expect(payload.name).toBe('Mergeplane / plan');
    expect(payload.head_sha).toBe(HEAD);
  });

  it.each([
    {
      name: 'apps changed with an error',
      plan: report(
        [...PASSING, FAIL],
        [app({ name: 'a' }), app({ name: 'b', status: 'added' }), app({ name: 'c', status: 'error' })],
      ),
      title: '2 apps changed, 1 error',
    },
    { name: 'only errors', plan: report([FAIL, { ...FAIL, id: 'config' }]), title: '2 errors' },
    {
      name: 'nothing affected',
      plan: report(PASSING, [app({ status: 'unchanged' })]),
      title: 'No affected applications',
    },
    { name: 'one app changed', plan: report(PASSING, [app()]), title: '1 app changed' },
    {
      name: 'a destructive change',
      plan: report([...PASSING, DESTRUCTIVE], [app()]),
      title: 'Destructive change awaiting approval',
    },
    {
      name: 'several destructive changes',
      plan: report([DESTRUCTIVE, DESTRUCTIVE], [app()]),
      title: '2 destructive changes awaiting approval',
    },
    {
      name: 'an unrenderable source',
      plan: report([gate({ id: 'unsupported', status: 'needs-approval', message: 'plugin source' })]),
      title: 'Awaiting approval',
    },
    {
      name: 'an app and a claim',
      plan: report(
        PASSING,
        [app()],
        [
          {
            apiVersion: 'db.example.org/v1',
            kind: 'Postgres',
            namespace: 'a',
            name: 'db',
            action: 'create',
            composed: [],
            destructive: false,
          },
        ],
      ),
      title: '1 app and 1 claim changed',
    },
  ])('title: $name', ({ plan, title }) => {
    expect(build(plan).payload.output.title).toBe(title);
  });

  it('says so in the title when approval turned the check green', () => {
    const { payload } = build(report([DESTRUCTIVE], [app()]), { approved: true });
    expect(payload.output.title).toBe('1 app changed, approved');
    expect(payload.output.summary).toContain('☑️ **destructive**: deletes Namespace web · approved');
  });

  it('lists failing gates first, then approvals, then passes, and links the comment', () => {
    const { payload } = build(report([...PASSING, DESTRUCTIVE, FAIL]), {
      commentUrl: 'https://github.com/o/r/pull/7#issuecomment-1',
    });
    const { summary } = payload.output;
    const gateLines = summary.split('\n').filter((l) => l.startsWith('- '));
    expect(gateLines).toEqual([
      '- ❌ **render**: helm template failed · app **api**',
      '- ⏸️ **destructive**: deletes Namespace web',
      '- ✅ **config**: repository config is valid',
      '- ✅ **render**: every affected application rendered',
    ]);
    expect(summary).toContain('[pull-request comment](https://github.com/o/r/pull/7#issuecomment-1)');
    expect(summary).toContain('`/mergeplane approve`');
    expect(summary).toContain('`1111111` → `2222222`');
  });

  it('escapes repository text in the summary', () => {
    const hostile = gate({
      id: 'render',
      status: 'fail',
      message: '@org/team <script>\n# heading',
      app: 'a|b',
    });
    const { summary } = build(report([hostile])).payload.output;
    expect(summary).not.toContain('<script>');
    expect(summary).not.toContain('@org');
    expect(summary).not.toMatch(/^# heading/m);
  });

  it('puts a compact per-app table in text, none when nothing is affected, and links details_url', () => {
    const apps = [
      app({ name: 'web' }),
      app({ name: 'broken', status: 'error', resources: [] }),
      app({ name: 'same', status: 'unchanged' }),
    ];
    const output = checkRunFromReport(report([FAIL], apps), {
      headSha: HEAD,
      detailsUrl: 'https://example.org/plan.json',
    });
    expectValidRequests(output);
    expect(output.payload.details_url).toBe('https://example.org/plan.json');
    expect(output.payload.output.text?.split('\n')).toEqual([
      '| App | Status | Create | Update | Delete |',
      '| --- | --- | ---: | ---: | ---: |',
      '| broken | ❌ error | — | — | — |',
      '| web | ✏️ changed | 0 | 1 | 0 |',
    ]);
    const quiet = build(report(PASSING, [app({ status: 'unchanged' })])).payload;
    expect(quiet.output.text).toBeUndefined();
    expect(quiet.details_url).toBeUndefined();
    expect(quiet.output.annotations).toBeUndefined();
  });

  it('annotates failing and needs-approval gates that have a file, failures first', () => {
    const gates = [
      gate({
        id: 'destructive',
        status: 'needs-approval',
        message: 'deletes PVC',
        file: 'apps/db.yaml',
        line: 9,
      }),
      gate({ id: 'manifests', status: 'fail', message: 'not a Kubernetes object', file: 'apps/x.yaml' }),
      gate({ id: 'render', status: 'fail', message: 'no file, no annotation' }),
      gate({ id: 'config', status: 'pass', message: 'ok', file: '.github/mergeplane.yml', line: 2 }),
    ];
    const { payload, extraAnnotations } = build(report(gates));
    expect(payload.output.annotations).toEqual<Annotation[]>([
      {
        path: 'apps/x.yaml',
        start_line: 1,
        end_line: 1,
        annotation_level: 'failure',
        title: 'manifests',
        message: 'not a Kubernetes object',
      },
      {
        path: 'apps/db.yaml',
        start_line: 9,
        end_line: 9,
        annotation_level: 'warning',
        title: 'destructive',
        message: 'deletes PVC',
      },
    ]);
    expect(extraAnnotations).toEqual([]);
  });

  it('truncates a huge annotation message to 64 KB without splitting a character', () => {
    const message = `${'😀'.repeat(20_000)}tail`;
    const big = gate({ id: 'render', status: 'fail', message, file: 'a.yaml', line: 3 });
    const [annotation] = build(report([big])).payload.output.annotations ?? [];
    expect(bytes(annotation.message)).toBeLessThanOrEqual(64 * 1024);
    expect(annotation.message.isWellFormed()).toBe(true);
    expect(annotation.message.startsWith('😀😀')).toBe(true);
    expect(annotation.message).toMatch(/message truncated\)$/);
  });

  it('sends 50 annotations with the check run and the rest in chunks of 50', () => {
    const gates = Array.from({ length: 120 }, (_, i) =>
      gate({ id: 'render', status: 'fail', message: `error ${i}`, file: `apps/${i}.yaml`, line: i + 1 }),
    );
    const { payload, extraAnnotations } = build(report(gates));
    expect(payload.output.annotations).toHaveLength(50);
    expect(extraAnnotations.map((chunk) => chunk.length)).toEqual([50, 20]);
    const all = [...(payload.output.annotations ?? []), ...extraAnnotations.flat()];
    expect(all.map((a) => a.start_line)).toEqual(gates.map((g) => g.line));
  });

  it('keeps the summary at exactly the limit, and truncates one character over it with a note', () => {
    const filler = (i: number) => gate({ id: 'render', status: 'fail', message: `${i} ${'x'.repeat(900)}` });
    const last = (length: number) => gate({ id: 'manifests', status: 'fail', message: 'y'.repeat(length) });
    const summaryOf = (gates: GateResult[]) => build(report(gates)).payload.output.summary;
    // Fill up to just under the limit, then size the last gate so the summary is exactly at it.
    const gates: GateResult[] = [];
    let spare = MAX_OUTPUT_LENGTH - bytes(summaryOf([last(1)]));
    while (spare > 900) {
      gates.push(filler(gates.length));
      spare = MAX_OUTPUT_LENGTH - bytes(summaryOf([...gates, last(1)]));
    }
    const exact = summaryOf([...gates, last(1 + spare)]);
    expect(bytes(exact)).toBe(MAX_OUTPUT_LENGTH);
    expect(exact).not.toContain('Truncated');
    expect(exact.endsWith('y')).toBe(true);

    const over = summaryOf([...gates, last(2 + spare)]);
    expect(bytes(over)).toBeLessThanOrEqual(MAX_OUTPUT_LENGTH);
    expect(over).toMatch(
      /_Truncated at GitHub's 65,535-character limit: 1 more gate not shown; see the JSON report\._$/,
    );
    expect(over).not.toContain('yyy');
  });

  it('cuts a long gate list at whole lines and keeps the comment link', () => {
    const gates = Array.from({ length: 3000 }, (_, i) =>
      gate({ id: 'render', status: 'fail', message: `${'é😀<'.repeat(20)} ${i}`, file: `apps/${i}.yaml` }),
    );
    const { payload, extraAnnotations } = build(report(gates), {
      commentUrl: 'https://github.com/o/r/pull/1',
    });
    const { summary } = payload.output;
    expect(summary.length).toBeLessThanOrEqual(MAX_OUTPUT_LENGTH);
    expect(bytes(summary)).toBeLessThanOrEqual(MAX_OUTPUT_LENGTH);
    expect(summary.isWellFormed()).toBe(true);
    expect(summary).toContain('(https://github.com/o/r/pull/1)');
    const lines = summary.split('\n');
    const items = lines.filter((l) => l.startsWith('- '));
    expect(items.every((l) => /· `apps\/\d+\.yaml`$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(
      `_Truncated at GitHub's 65,535-character limit: ${3000 - items.length} more gates not shown; see the plan comment._`,
    );
    expect(extraAnnotations).toHaveLength(59);
  });

  it('cuts a huge per-app table at whole rows', () => {
    const apps = Array.from({ length: 5000 }, (_, i) =>
      app({ name: `app-${String(i).padStart(4, '0')}-${'z'.repeat(20)}` }),
    );
    const { text } = build(report(PASSING, apps)).payload.output;
    expect(bytes(text ?? '')).toBeLessThanOrEqual(MAX_OUTPUT_LENGTH);
    const rows = (text ?? '').split('\n').filter((l) => l.startsWith('| app-'));
    expect(rows.every((r) => r.endsWith('| 0 | 1 | 0 |'))).toBe(true);
    expect(text).toMatch(new RegExp(`${5000 - rows.length} more apps not shown\\._$`));
  });

  it('puts the JSON report in text as a collapsed block that cannot break out of its fence', () => {
    const tricky = app({ name: 'x```y', origin: 'apps/</details>.yaml' });
    const plan = report(PASSING, [tricky]);
    const { text } = checkRunFromReport(plan, { headSha: HEAD, jsonReport: true }).payload.output;
    const match =
      /\n\n<details><summary>JSON report<\/summary>\n\n(`{3,})json\n([\s\S]*)\n\1\n\n<\/details>$/.exec(
        text ?? '',
      );
    expect(match?.[1]?.length).toBeGreaterThan(3);
    expect(JSON.parse(match?.[2] ?? 'null')).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(text?.startsWith('| App | Status |')).toBe(true);
  });

  it('replaces a JSON report too large for the check run with a note and the counts', () => {
    const big = resource({ diff: `${'+ line of a very large diff\n'.repeat(4000)}` });
    const apps = [app({ resources: [big, big] })];
    const { text } = checkRunFromReport(report(PASSING, apps), { headSha: HEAD, jsonReport: true }).payload
      .output;
    expect(bytes(text ?? '')).toBeLessThanOrEqual(MAX_OUTPUT_LENGTH);
    expect(text).not.toContain('<details>');
    expect(text).toMatch(/_The JSON report \([\d,]+ bytes\) is too large for the check run/);
    expect(text).toContain(
      'Summary: apps 1 changed, 0 added, 0 removed, 0 unchanged, 0 with errors; resources 0 to create, 2 to update, 0 to delete.',
    );
  });

  it('lists accepted and refused approvals in the summary, escaped, and concludes success', () => {
    const sha = HEAD;
    const approved = gate({
      id: 'destructive',
      status: 'pass',
      message: 'approved by @bob: ok `x` </details> — deletes Namespace web',
      app: 'web',
    });
    const output = build(report([...PASSING, approved], [app()]));
    const withView = checkRunFromReport(report([...PASSING, approved], [app()]), {
      headSha: HEAD,
      approvals: {
        decision: {
          accepted: [{ user: 'bob', sha, at: 't', reason: 'ok `x` </details>' }],
          rejected: [{ approval: { user: 'alice', sha, at: 't' }, reason: 'author' }],
        },
        approved: [approved],
      },
    });
    expect(output.payload.conclusion).toBe('success');
    expect(withView.payload.conclusion).toBe('success');
    expect(withView.payload.output.title).toBe('1 app changed, approved');
    const summary = withView.payload.output.summary;
    expect(summary).toContain('#### Approvals');
    expect(summary).toContain('- ✅ approved by @\u200bbob for `2222222`: ok &#96;x&#96; &lt;/details&gt;');
    expect(summary).toContain(
      '- 🚫 not accepted: @\u200balice for `2222222` — the author of the pull request',
    );
    expect(summary).not.toContain('</details>');
    expect(summary.indexOf('#### Approvals')).toBeLessThan(summary.indexOf('#### Gates'));
  });
});
