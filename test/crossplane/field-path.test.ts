import { describe, expect, test } from 'vitest';
import {
  FieldPathError,
  formatFieldPath,
  getFieldValue,
  parseFieldPath,
  setFieldValue,
} from '../../src/crossplane/field-path.ts';

const field = (name: string) => ({ type: 'field', field: name });
const index = (i: number) => ({ type: 'index', index: i });

describe('parseFieldPath (crossplane-runtime fieldpath syntax)', () => {
  test.each([
    ['spec.parameters.size', [field('spec'), field('parameters'), field('size')]],
    [
      'metadata.labels[app.kubernetes.io/name]',
      [field('metadata'), field('labels'), field('app.kubernetes.io/name')],
    ],
    ['spec.forProvider.tags[0]', [field('spec'), field('forProvider'), field('tags'), index(0)]],
    ['metadata.annotations["x"]', [field('metadata'), field('annotations'), field('x')]],
    [
      "metadata.annotations['crossplane.io/external-name']",
      [field('metadata'), field('annotations'), field('crossplane.io/external-name')],
    ],
    ['spec.items[0][8]', [field('spec'), field('items'), index(0), index(8)]],
    ['spec.containers[0].name', [field('spec'), field('containers'), index(0), field('name')]],
    ['data[.config.yml]', [field('data'), field('.config.yml')]],
  ])('%s', (path, expected) => {
    expect(parseFieldPath(path)).toEqual(expected);
  });

  test.each([
    '.metadata.name',
    'metadata..name',
    'metadata.name.',
    'spec.containers[]',
    'spec.containers.[0].name',
    'spec[0',
    'a]b',
    '',
  ])('rejects invalid path %j (documented invalid examples)', (path) => {
    expect(() => parseFieldPath(path)).toThrow(FieldPathError);
  });

  test('formats bracketed fields back canonically', () => {
    expect(formatFieldPath(parseFieldPath('metadata.labels["a.b/c"]'))).toBe('metadata.labels[a.b/c]');
    expect(formatFieldPath(parseFieldPath('spec.tags[0].key'))).toBe('spec.tags[0].key');
  });
});

describe('getFieldValue / setFieldValue', () => {
  test('missing intermediate → not found', () => {
    expect(getFieldValue({ spec: {} }, 'spec.a.b')).toEqual({ found: false });
    expect(getFieldValue({ spec: { a: [1] } }, 'spec.a[3]')).toEqual({ found: false });
    expect(getFieldValue({ spec: { a: null } }, 'spec.a')).toEqual({ found: true, value: null });
  });

  test('sets through missing objects and arrays', () => {
    const o: Record<string, unknown> = {};
    setFieldValue(o, 'spec.tags[1].key', 'k');
    setFieldValue(o, 'metadata.labels[app.kubernetes.io/name]', 'web');
    expect(o).toEqual({
      spec: { tags: [null, { key: 'k' }] },
      metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
    });
  });
});
