import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type Application, parseApplication } from '../../src/gitops/application.ts';
import { CHART_RBAC_SUBJECT } from '../support/chart-rbac.ts';
import { CHART_DIR, helm, renderChart, type Values } from './chart-template.ts';

const PROJECT_ROOT = join(CHART_DIR, '..', '..', '..');
const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');

/** The YAML code blocks of a README that are Argo CD Applications installing this chart. */
function readmeApplications(file: string): Application[] {
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
  const blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => parseAllDocuments(block).map((doc) => doc.toJS() as Record<string, unknown>))
    .filter((doc) => doc?.kind === 'Application')
    .map((doc) => parseApplication(doc, { origin: file }))
    .filter((app) => app.sources.some((source) => source.path?.includes('chart/mergeplane')));
}

describe('the install docs', () => {
  it.each(['deploy/chart/mergeplane/README.md', 'README.md'])(
    '%s has one Argo CD Application that installs this chart, and the chart accepts its values',
    async (file) => {
      const [app, ...others] = readmeApplications(file);
      expect(others).toEqual([]);
      const source = app!.sources[0]!;
      expect(source.path).toBe('deploy/chart/mergeplane');
      expect(existsSync(join(PROJECT_ROOT, source.path!, 'Chart.yaml'))).toBe(true);
      const values = (source.helm?.valuesObject ?? {}) as Values;
      // Argo CD renders with the Application's name as release name, into the destination namespace.
      const run = await helm(
        ['template', app!.name, CHART_DIR, '--namespace', app!.destination.namespace!],
        values,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const docs = await renderChart(values, app!.destination.namespace);
      const account = docs.find((d) => d.kind === 'ServiceAccount');
      expect({ namespace: account?.metadata.namespace, name: account?.metadata.name }).toEqual(
        CHART_RBAC_SUBJECT,
      );
    },
  );

  it('documents every value of values.yaml, and no value it does not have', () => {
    const defaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Values;
    const documented = valuesTablePaths();
    const leaves = leafPaths(defaults);
    const covered = (leaf: string) => documented.some((d) => leaf === d || leaf.startsWith(`${d}.`));
    expect(leaves.filter((leaf) => !covered(leaf))).toEqual([]);
    expect(documented.filter((path) => !leaves.some((l) => l === path || l.startsWith(`${path}.`)))).toEqual(
      [],
    );
  });
});

/**
 * The value paths named in the first column of the "Values" table: `a.b`, `c` — a name without a dot after
 * a dotted one is its sibling (`worker.autoscaling.keda.enabled`, `minReplicas`).
 */
function valuesTablePaths(): string[] {
  const table = readme.slice(readme.indexOf('## Values'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => {
    const names = [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const first = names[0]!;
    const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : '';
    return names.map((name) => (name.includes('.') ? name : `${parent}${name}`));
  });
}

function leafPaths(values: Values, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
    return nested && Object.keys(value).length > 0 ? leafPaths(value as Values, `${path}.`) : [path];
  });
}
