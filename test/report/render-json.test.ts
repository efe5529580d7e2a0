import { describe, expect, it } from 'vitest';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { buildReport } from '../../src/report/build-report.ts';
import { renderJson } from '../../src/report/render-json.ts';
import { app, BASE, gate, HEAD } from './report-fixtures.ts';

function keyOrderIsSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keyOrderIsSorted);
  if (value === null || typeof value !== 'object') return true;
  const keys = Object.keys(value);
  return (
    keys.join('\0') === [...keys].sort().join('\0') &&
    Object.values(value).every((v: unknown) => keyOrderIsSorted(v))
  );
}

/** The same value with every object's keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('renderJson', () => {
  const report = buildReport({
    base: BASE,
    head: HEAD,
    apps: [app({ name: 'web' }), app({ name: 'idle', status: 'unchanged' })],
    gates: [gate({ id: 'render', status: 'fail', message: 'boom', app: 'web', file: 'a.yaml', line: 3 })],
  });

  it('sorts keys at every depth, indents by two spaces and ends with a newline', () => {
    const text = renderJson(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "apps": [\n    {\n      "destination": {')).toBe(true);
    expect(keyOrderIsSorted(JSON.parse(text))).toBe(true);
    expect(JSON.parse(text)).toEqual(report);
  });

  it('does not list resources for unchanged apps', () => {
    const parsed = JSON.parse(renderJson(report)) as PlanReport;
    expect(parsed.apps.map((a) => [a.name, 'resources' in a])).toEqual([
      ['idle', false],
      ['web', true],
    ]);
  });

  it('is independent of the insertion order of keys', () => {
    const shuffled = reverseKeys(report) as PlanReport;
    expect(Object.keys(shuffled)[0]).toBe('gates');
    expect(renderJson(shuffled)).toBe(renderJson(report));
  });
});
