import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { applyIgnoreDifferences, UnsupportedJqExpressionError } from '../../src/diff/ignore-differences.ts';
import type { IgnoreDifference } from '../../src/gitops/application.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';

const obj = (text: string) => parse(text) as KubeObject;

const deployment = obj(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  annotations: { a/b: "slash", c~d: "tilde", keep: "1" }
spec:
  replicas: 3
  template:
    spec:
      containers:
        - { name: app, image: "app:1" }
        - { name: sidecar, image: "proxy:1" }
`);

const rule = (r: Partial<IgnoreDifference>): IgnoreDifference => ({
  group: 'apps',
  kind: 'Deployment',
  ...r,
});

describe('applyIgnoreDifferences: jsonPointers', () => {
  test('removes /spec/replicas and leaves the input untouched', () => {
    const out = applyIgnoreDifferences(deployment, [rule({ jsonPointers: ['/spec/replicas'] })]);
    expect(out.spec).not.toHaveProperty('replicas');
    expect(deployment.spec).toHaveProperty('replicas', 3);
  });

  test('decodes ~1 as "/" and ~0 as "~"', () => {
    const out = applyIgnoreDifferences(deployment, [
      rule({ jsonPointers: ['/metadata/annotations/a~1b', '/metadata/annotations/c~0d'] }),
    ]);
    expect(out.metadata.annotations).toEqual({ keep: '1' });
  });

  test('indexes into arrays', () => {
    const out = applyIgnoreDifferences(deployment, [
      rule({ jsonPointers: ['/spec/template/spec/containers/1/image'] }),
    ]);
    expect(out).toHaveProperty(['spec', 'template', 'spec', 'containers', 1], { name: 'sidecar' });
  });

  test('a pointer to nothing is skipped without affecting the others', () => {
    const out = applyIgnoreDifferences(deployment, [
      rule({
        jsonPointers: ['/spec/missing/x', '/spec/template/spec/containers/9', 'spec', '', '/spec/replicas'],
      }),
    ]);
    expect(out.spec).not.toHaveProperty('replicas');
    expect(out.spec).toHaveProperty('template');
  });
});

describe('applyIgnoreDifferences: jqPathExpressions', () => {
  test('.a[] | select(.name == "x") | .b', () => {
    const out = applyIgnoreDifferences(deployment, [
      rule({ jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "sidecar") | .image'] }),
    ]);
    expect(out).toHaveProperty(
      ['spec', 'template', 'spec', 'containers'],
      [{ name: 'app', image: 'app:1' }, { name: 'sidecar' }],
    );
  });

  test('pointers and jq expressions of one rule both apply', () => {
    const out = applyIgnoreDifferences(deployment, [
      rule({ jsonPointers: ['/spec/replicas'], jqPathExpressions: ['.metadata.annotations["keep"]'] }),
    ]);
    expect(out.spec).not.toHaveProperty('replicas');
    expect(out.metadata.annotations).not.toHaveProperty('keep');
  });

  test('an unsupported expression throws, even when the rule does not match the object', () => {
    const rules = [rule({ kind: 'StatefulSet', jqPathExpressions: ['.spec | del(.replicas)'] })];
    expect(() => applyIgnoreDifferences(deployment, rules)).toThrow(UnsupportedJqExpressionError);
    expect(() => applyIgnoreDifferences(deployment, rules)).toThrow('".spec | del(.replicas)"');
  });
});

describe('applyIgnoreDifferences: rule matching', () => {
  const configMap = obj(
    '{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: prod}, data: {k: v}}',
  );
  const strip: Partial<IgnoreDifference> = { jsonPointers: ['/spec/replicas'] };

  test.each<[string, Partial<IgnoreDifference>, boolean]>([
    ['group and kind', { group: 'apps', kind: 'Deployment' }, true],
    ['wrong group', { group: 'extensions', kind: 'Deployment' }, false],
    ['group absent means core', { group: undefined, kind: 'Deployment' }, false],
    ['group * matches any', { group: '*', kind: 'Deployment' }, true],
    ['group glob', { group: 'app*', kind: 'Deployment' }, true],
    ['kind * matches any', { group: 'apps', kind: '*' }, true],
    ['wrong kind', { group: 'apps', kind: 'StatefulSet' }, false],
    ['name matches', { name: 'web' }, true],
    ['name differs', { name: 'api' }, false],
    ['namespace matches', { namespace: 'prod' }, true],
    ['namespace differs', { namespace: 'staging' }, false],
    ['name and namespace', { name: 'web', namespace: 'prod' }, true],
  ])('%s → %s', (_name, fields, applies) => {
    const out = applyIgnoreDifferences(deployment, [rule({ ...strip, ...fields })]);
    expect(Object.hasOwn(out.spec as object, 'replicas')).toBe(!applies);
  });

  test("group '' selects the core group", () => {
    const rules: IgnoreDifference[] = [{ group: '', kind: 'ConfigMap', jsonPointers: ['/data'] }];
    expect(applyIgnoreDifferences(configMap, rules)).not.toHaveProperty('data');
    expect(
      applyIgnoreDifferences(configMap, [{ kind: 'ConfigMap', jsonPointers: ['/data'] }]),
    ).not.toHaveProperty('data');
  });
});
