import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChange } from '../../src/engine/plan-change.ts';
import type { AppReport, GateResult, PlanReport } from '../../src/model/plan-report.ts';
import type { PlanLogger } from '../../src/plan/plan-logger.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { createGitFixture, type TreeSpec } from '../support/git-fixture.ts';

/** What no output, log or file written by a plan may ever contain. */
export const CANARY = 'CANARY-hostile-9f27c1d4';
export const ORIGIN = 'https://github.com/acme/gitops.git';

export function application(name: string, source: string, extraSpec = ''): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${JSON.stringify(name)}
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: hostile
  source:
    repoURL: ${ORIGIN}
    targetRevision: HEAD
${source
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
${extraSpec}`;
}

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${JSON.stringify(value)}\n`;

/** A well-behaved app changed by every hostile head: the rest of the plan must still show it. */
const GOOD_APP: TreeSpec = { 'apps/good.yaml': application('good', 'path: good') };
export const CHART = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'color: blue\n',
  'charts/web/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: {{ .Values.color | quote }}\n  leak: {{ .Values.leak | default "none" | quote }}\n',
};

export interface HostilePlan {
  report: PlanReport;
  markdown: string;
  json: string;
  logs: string;
  app(name: string): AppReport;
  gates(id: string): GateResult[];
  /** A file outside the checkout that holds the canary (what an attacker tries to read). */
  secretFile: string;
  /** A directory that must stay absent (what an attacker tries to write). */
  forbiddenDir: string;
}

/** Files under the temp dir changed since `since` (this plan's renders, caches, tool homes) that hold the canary. */
function canaryOnDisk(since: number, skip: string[]): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (skip.some((s) => path === s || path.startsWith(`${s}/`))) continue;
      let info: ReturnType<typeof statSync>;
      try {
        info = statSync(path);
      } catch {
        continue;
      }
      if (info.mtimeMs < since) continue;
      if (info.isDirectory()) visit(path, depth + 1);
      else if (info.isFile() && info.size < 4 * 1024 * 1024) {
        try {
          if (readFileSync(path, 'utf8').includes(CANARY)) found.push(path);
        } catch {
          // Unreadable: not ours.
        }
      }
    }
  };
  visit(tmpdir(), 0);
  return found;
}

/**
 * Plans a small repository whose head adds hostile content (with `@SECRET@` and `@FORBIDDEN@` replaced by
 * a canary file outside the checkout and a directory that must not appear), next to a good app that
 * changes too; asserts nothing of the canary reached the report, the comment, the logs or the disk.
 */
export async function planHostile(o: {
  base?: TreeSpec;
  head: TreeSpec;
  config?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<HostilePlan> {
  const started = Date.now() - 1000;
  const outside = mkdtempSync(join(tmpdir(), 'mergeplane-outside-'));
  chmodSync(outside, 0o755);
  const secretFile = join(outside, 'secret.yaml');
  writeFileSync(secretFile, `leak: ${CANARY}\n${CANARY}: ${CANARY}\n`);
  const forbiddenDir = join(outside, 'written-by-render');
  const repo = createGitFixture({ origin: ORIGIN });
  const fill = (tree: TreeSpec): TreeSpec =>
    Object.fromEntries(
      Object.entries(tree).map(([k, v]) => [
        k,
        typeof v === 'string'
          ? v.replaceAll('@SECRET@', secretFile).replaceAll('@FORBIDDEN@', forbiddenDir)
          : v !== null && 'symlink' in v
            ? { symlink: v.symlink.replaceAll('@SECRET@', secretFile) }
            : v,
      ]),
    );
  const logs: string[] = [];
  const logger: PlanLogger = {
    debug: (meta, message) => logs.push(JSON.stringify({ meta, message })),
    info: (meta, message) => logs.push(JSON.stringify({ meta, message })),
    warn: (meta, message) => logs.push(JSON.stringify({ meta, message })),
  };
  try {
    repo.commit(
      fill({
        ...(o.config !== undefined ? { '.github/mergeplane.yml': o.config } : {}),
        ...GOOD_APP,
        'good/cm.yaml': configMap('good', 'before'),
        ...o.base,
      }),
      'base',
    );
    repo.git('checkout', '-q', '-b', 'hostile');
    repo.commit(fill({ 'good/cm.yaml': configMap('good', 'after'), ...o.head }), 'head');
    const report = await planChange({
      repoDir: repo.dir,
      base: 'main',
      head: 'hostile',
      cacheDir: false,
      logger,
      ...(o.env ? { env: o.env } : {}),
    });
    const markdown = renderMarkdown(report);
    const json = renderJson(report);
    const plan: HostilePlan = {
      report,
      markdown,
      json,
      logs: logs.join('\n'),
      secretFile,
      forbiddenDir,
      app: (name) => {
        const found = report.apps.find((a) => a.name === name);
        if (!found) throw new Error(`no app ${name}: ${report.apps.map((a) => a.name).join(', ')}`);
        return found;
      },
      gates: (id) => report.gates.filter((g) => g.id === id && g.status !== 'pass'),
    };
    assertContained(plan, started, [outside, repo.dir]);
    return plan;
  } finally {
    repo.cleanup();
    rmSync(outside, { recursive: true, force: true });
  }
}

function assertContained(plan: HostilePlan, since: number, skip: string[]): void {
  for (const [what, text] of [
    ['report', plan.json],
    ['comment', plan.markdown],
    ['logs', plan.logs],
  ] as const) {
    if (text.includes(CANARY)) throw new Error(`the canary reached the ${what}`);
  }
  const onDisk = canaryOnDisk(since, skip);
  if (onDisk.length > 0) throw new Error(`the canary was written to ${onDisk.join(', ')}`);
  try {
    statSync(plan.forbiddenDir);
    throw new Error(`a render created ${plan.forbiddenDir}`);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  // The good app is always planned: one hostile file never ends the plan.
  const good = plan.report.apps.find((a) => a.name === 'good');
  if (good?.status !== 'changed')
    throw new Error(`the good app was not planned: ${good?.status ?? 'missing'}`);
}
