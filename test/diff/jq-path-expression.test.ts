import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  deleteJqPaths,
  parseJqPathExpression,
  UnsupportedJqExpressionError,
} from '../../src/diff/jq-path-expression.ts';

const doc = `
metadata:
  annotations: { app.kubernetes.io/version: "1.2", keep: "yes" }
spec:
  replicas: 3
  selector: { app: web }
  containers:
    - { name: app, image: "app:1", env: [{ name: A, value: "1" }, { name: B, value: "2" }] }
    - { name: sidecar, image: "proxy:1", port: 8080, enabled: true }
    - { name: init, image: "init:1" }
`;

/** Deletes the expression's paths from `doc` and returns the result. */
function del(expression: string, input = doc): unknown {
  const value = parse(input);
  deleteJqPaths(value, parseJqPathExpression(expression));
  return value;
}

describe('jq subset: supported forms delete what gojq del() deletes', () => {
  test('.a.b: nested keys', () => {
    const out = del('.spec.replicas') as { spec: Record<string, unknown> };
    expect(out.spec).not.toHaveProperty('replicas');
    expect(out.spec.selector).toEqual({ app: 'web' });
  });

  test.each([
    ['.a["key.with.dots"]: bracketed string key', '.metadata.annotations["app.kubernetes.io/version"]'],
    ['.a."key": quoted key', '.metadata.annotations."app.kubernetes.io/version"'],
    ['.a.["key"]: dot before bracket', '.metadata.annotations.["app.kubernetes.io/version"]'],
  ])('%s', (_name, expression) => {
    const out = del(expression) as { metadata: { annotations: object } };
    expect(out.metadata.annotations).toEqual({ keep: 'yes' });
  });

  test.each<[string, string, string[]]>([
    ['.a[0]: array index', '.spec.containers[0]', ['sidecar', 'init']],
    ['.a[-1]: negative index', '.spec.containers[-1]', ['app', 'sidecar']],
    ['.a[]: all elements', '.spec.containers[]', []],
    [
      '.a[] | select(.name == "x"): select by string',
      '.spec.containers[] | select(.name == "sidecar")',
      ['app', 'init'],
    ],
    ['select(.k != "v"): not equal', '.spec.containers[] | select(.name != "sidecar")', ['sidecar']],
    ['select(.k == number)', '.spec.containers[] | select(.port == 8080)', ['app', 'init']],
    ['select(.k == true): boolean', '.spec.containers[] | select(.enabled == true)', ['app', 'init']],
    ['select(.k == null): absent field is null', '.spec.containers[] | select(.env == null)', ['app']],
    [
      'select(.a[0].b == "v"): nested probe path',
      '.spec.containers[] | select(.env[0].name == "A")',
      ['sidecar', 'init'],
    ],
    ['a select matching several deletes them all', '.spec.containers[] | select(.name != "app")', ['app']],
  ])('%s', (_name, expression, remaining) => {
    const out = del(expression) as { spec: { containers: { name: string }[] } };
    expect(out.spec.containers.map((c) => c.name)).toEqual(remaining);
  });

  test('.a[] | select(.name == "x") | .b: a field of the selected element', () => {
    const out = del('.spec.containers[] | select(.name == "app") | .image') as {
      spec: { containers: object[] };
    };
    expect(out.spec.containers[0]).not.toHaveProperty('image');
    expect(out.spec.containers[1]).toHaveProperty('image', 'proxy:1');
  });

  test('chains of iterate/select/key: .a[] | select() | .env[] | select() | .value', () => {
    const out = del(
      '.spec.containers[] | select(.name == "app") | .env[] | select(.name == "B") | .value',
    ) as {
      spec: { containers: { env?: object[] }[] };
    };
    expect(out.spec.containers[0]!.env).toEqual([{ name: 'A', value: '1' }, { name: 'B' }]);
  });

  test('.[] on an object iterates its values', () => {
    expect(del('.metadata.annotations[]', '{metadata: {annotations: {a: "1", b: "2"}}}')).toEqual({
      metadata: { annotations: {} },
    });
  });

  test('absent keys and out-of-range indexes delete nothing', () => {
    expect(del('.spec.missing.deeper')).toEqual(parse(doc));
    expect(del('.spec.containers[7]')).toEqual(parse(doc));
  });

  test('a type error deletes nothing (gojq errors make Argo CD skip the rule)', () => {
    expect(del('.spec.containers[] | .env[] | .value')).toEqual(parse(doc));
    expect(del('.spec.replicas.x')).toEqual(parse(doc));
  });

  test('? after a step drops only the failing branch', () => {
    const out = del('.spec.containers[] | .env[]? | .value') as {
      spec: { containers: { env?: object[] }[] };
    };
    expect(out.spec.containers[0]!.env).toEqual([{ name: 'A' }, { name: 'B' }]);
  });

  test('select at the root never deletes the whole object', () => {
    expect(del('select(.spec.replicas == 3)')).toEqual(parse(doc));
    expect(del('.')).toEqual(parse(doc));
  });

  test('whitespace and string escapes are accepted', () => {
    const out = del(' .spec .containers[ ] | select( .name=="si\\u0064ecar" ) ') as {
      spec: { containers: { name: string }[] };
    };
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app', 'init']);
  });
});

describe('jq subset: anything else is an UnsupportedJqExpressionError naming the expression', () => {
  test.each([
    ['del(.a)'],
    ['.a | length'],
    ['.spec..image'],
    ['..'],
    ['.a[1:2]'],
    ['.a[] | select(.name == "x" and .b == 1)'],
    ['.a[] | select(.name | startswith("x"))'],
    ['.a[] | select(.b[] == 1)'],
    ['.a[] | select(.name == $x)'],
    ['.a, .b'],
    ['.a["\\(.x)"]'],
    ['.a + 1'],
    ['.a["unterminated]'],
    [''],
    ['a.b'],
  ])('%s', (expression) => {
    expect(() => parseJqPathExpression(expression)).toThrow(UnsupportedJqExpressionError);
    try {
      parseJqPathExpression(expression);
    } catch (error) {
      expect((error as Error).message).toContain(JSON.stringify(expression));
      expect((error as UnsupportedJqExpressionError).expression).toBe(expression);
    }
  });
});
