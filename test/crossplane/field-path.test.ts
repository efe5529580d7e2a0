import { describe, expect, test } from 'vitest';
import {
  FieldPathError,
  formatFieldPath,
  getFieldValue,
  parseFieldPath,
  setFieldValue,
} from '../../src/crossplane/field-path.ts';

describe('parseFieldPath (crossplane-runtime fieldpath syntax)', () => {
  test.each([
    [
      'spec.parameters.size',
      [
        { type: 'field', field: 'spec' },
        { type: 'field', field: 'parameters' },
        { type: 'field', field: 'size' },
      ],
    ],
    [
      'metadata.labels[app.kubernetes.io/name]',
      [
        { type: 'field', field: 'metadata' },
        { type: 'field', field: 'labels' },
        { type: 'field', field: 'app.kubernetes.io/name' },
      ],
    ],
    [
      'spec.forProvider.tags[0]',
      [
        { type: 'field', field: 'spec' },
        { type: 'field', field: 'forProvider' },
        { type: 'field', field: 'tags' },
        { type: 'index', index: 0 },
      ],
    ],
    [
      'metadata.annotations["x"]',
      [
        { type: 'field', field: 'metadata' },
        { type: 'field', field: 'annotations' },
        { type: 'field', field: 'x' },
      ],
    ],
    [
      "metadata.annotations['crossplane.io/external-name']",
      [
        { type: 'field', field: 'metadata' },
        { type: 'field', field: 'annotations' },
        { type: 'field', field: 'crossplane.io/external-name' },
      ],
    ],
    [
      'spec.items[0][8]',
      [
        { type: 'field', field: 'spec' },
        { type: 'field', field: 'items' },
        { type: 'index', index: 0 },
        { type: 'index', index: 8 },
      ],
    ],
    [
      'spec.containers[0].name',
      [
        { type: 'field', field: 'spec' },
        { type: 'field', field: 'containers' },
        { type: 'index', index: 0 },
        { type: 'field', field: 'name' },
      ],
    ],
    [
      'data[.config.yml]',
      [
        { type: 'field', field: 'data' },
        { type: 'field', field: '.config.yml' },
      ],
    ],
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
