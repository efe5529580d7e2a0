import { describe, expect, test } from 'vitest';
import { diffComposed, formatPlanSummary } from '../../src/crossplane/diff-composed.ts';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import type { ComposedResult } from '../../src/crossplane/render-composed.ts';

const result = (
  resources: ComposedResult['resources'],
  unsupported: ComposedResult['unsupported'] = [],
): ComposedResult => ({
  resources,
  unsupported,
  warnings: [],
  errors: [],
});
const rds = (instanceClass: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'rds.aws.upbound.io/v1beta1',
  kind: 'Instance',
  metadata: { name: 'db' },
  spec: { forProvider: { instanceClass, ...extra } },
});
const bucket = {
  apiVersion: 's3.aws.upbound.io/v1beta1',
  kind: 'Bucket',
  metadata: { name: 'b' },
  spec: { forProvider: { region: 'eu' } },
};

type Composed = ComposedResult['resources'][number];
const composed = (name: string, object: Composed['object'], unknownPaths: string[] = []): Composed => ({
  name,
  object,
  unknownPaths,
});

describe('diffComposed', () => {
  test('create, update, delete and unchanged, keyed by composition resource name', () => {
    const base = result([
      composed('rds', rds('db.t3.small')),
      composed('bucket', bucket),
      composed('old', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } }),
    ]);
    const head = result([
      composed('rds', rds('db.t3.medium')),
      composed('bucket', bucket),
      composed('new', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'n' } }),
    ]);
    const diff = diffComposed(base, head);
    expect(diff.resources.map((r) => [r.name, r.kind, r.action])).toEqual([
      ['bucket', 'Bucket', 'unchanged'],
      ['new', 'Secret', 'create'],
      ['old', 'ConfigMap', 'delete'],
      ['rds', 'Instance', 'update'],
    ]);
    expect(diff.resources[3]!.changes).toEqual([
      { path: 'spec.forProvider.instanceClass', before: 'db.t3.small', after: 'db.t3.medium' },
    ]);
    expect(diff.resources[1]!.changes).toContainEqual({ path: 'kind', before: undefined, after: 'Secret' });
    expect(diff.summary).toEqual({ add: 1, change: 1, destroy: 1 });
    expect(formatPlanSummary(diff.summary)).toBe('Plan: 1 to add, 1 to change, 1 to destroy.');
    expect(diff.incomplete).toBe(false);
  });

  test('a new claim creates everything; a removed claim destroys everything', () => {
    const head = result([composed('rds', rds('db.t3.small'))]);
    expect(diffComposed(undefined, head).summary).toEqual({ add: 1, change: 0, destroy: 0 });
    expect(diffComposed(head, undefined).summary).toEqual({ add: 0, change: 0, destroy: 1 });
  });

  test('unknown values show "(known after apply)"; unknown on both sides is not a change', () => {
    const base = result([
      composed('rds', rds('db.t3.small', { host: KNOWN_AFTER_APPLY }), ['spec.forProvider.host']),
    ]);
    const head = result([
      composed('rds', rds('db.t3.small', { host: KNOWN_AFTER_APPLY, port: KNOWN_AFTER_APPLY }), [
        'spec.forProvider.host',
        'spec.forProvider.port',
      ]),
    ]);
    const diff = diffComposed(base, head);
    expect(diff.resources[0]).toMatchObject({
      action: 'update',
      changes: [{ path: 'spec.forProvider.port', before: undefined, after: KNOWN_AFTER_APPLY }],
    });
  });

  test('unsupported pipeline steps make the plan incomplete', () => {
    const head = result(
      [],
      [
        {
          step: 'kcl',
          functionName: 'function-kcl',
          reason: 'composed resources not predicted: function function-kcl',
        },
      ],
    );
    expect(diffComposed(undefined, head).incomplete).toBe(true);
  });
});
