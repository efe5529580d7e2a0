import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { evaluateGates, gatesFailed } from '../../src/gates/evaluate-gates.ts';
import type { AppReport, ResourceChange } from '../../src/model/plan-report.ts';

function appDeleting(kind: string, name: string): AppReport {
  const resource: ResourceChange = {
    group: '',
    version: 'v1',
    kind,
    namespace: '',
    name,
    action: 'delete',
    diff: '',
  };
  return {
    name: 'app',
    namespace: 'argocd',
    project: 'default',
    origin: 'apps/app.yaml',
    destination: {},
    sourceType: 'directory',
    status: 'changed',
    resources: [resource],
  };
}

describe('evaluateGates', () => {
  it('passes every gate when nothing trips them', () => {
    const gates = evaluateGates({ apps: [], failures: [], config: loadConfig('') });
    expect(gates.map((g) => [g.id, g.status])).toEqual([
      ['config', 'pass'],
      ['render', 'pass'],
      ['manifests', 'pass'],
      ['destructive', 'pass'],
      ['blocked', 'pass'],
      ['unsupported', 'pass'],
      ['claims', 'pass'],
    ]);
    expect(gatesFailed(gates)).toBe(false);
  });

  it('fails on render failures, keeping their location', () => {
    const gates = evaluateGates({
      apps: [],
      failures: [{ id: 'render', message: 'boom', app: 'web', file: 'charts/web/Chart.yaml', line: 3 }],
      config: loadConfig(''),
    });
    expect(gates[0]).toEqual({
      id: 'render',
      status: 'fail',
      message: 'boom',
      app: 'web',
      file: 'charts/web/Chart.yaml',
      line: 3,
    });
    expect(gates.filter((g) => g.id === 'render')).toHaveLength(1);
    expect(gatesFailed(gates)).toBe(true);
  });

  it('asks for a human review of what cannot be rendered offline, without failing', () => {
    const gates = evaluateGates({
      apps: [],
      failures: [
        { id: 'unsupported', status: 'needs-approval', message: 'config management plugin', app: 'cmp' },
      ],
      config: loadConfig(''),
    });
    expect(gates[0]).toMatchObject({ id: 'unsupported', status: 'needs-approval', app: 'cmp' });
    expect(gates.filter((g) => g.id === 'unsupported')).toHaveLength(1);
    expect(gatesFailed(gates)).toBe(false);
  });

  it('needs approval for deleting a destructive kind, per config', () => {
    const defaults = evaluateGates({
      apps: [appDeleting('Namespace', 'prod')],
      failures: [],
      config: loadConfig(''),
    });
    expect(defaults).toContainEqual(
      expect.objectContaining({
        id: 'destructive',
        status: 'needs-approval',
        message: 'deletes Namespace prod',
      }),
    );
    expect(gatesFailed(defaults)).toBe(false);
    const custom = loadConfig('approval:\n  destructiveKinds: [Bucket]\n');
    const gates = evaluateGates({ apps: [appDeleting('Namespace', 'prod')], failures: [], config: custom });
    expect(gates.find((g) => g.id === 'destructive')?.status).toBe('pass');
  });
});
