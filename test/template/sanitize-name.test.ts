import { describe, expect, it } from 'vitest';
import { sanitizeName } from '../../src/template/sanitize-name.ts';

describe('sanitizeName', () => {
  it.each([
    ['directory_2', 'directory-2'],
    ['My Cluster', 'my-cluster'],
    ['--a.b--', 'a.b'],
    ['.hidden.', 'hidden'],
    ['https://1.2.3.4', 'https---1.2.3.4'],
    ['x'.repeat(300), 'x'.repeat(253)],
  ])('%s → %s', (name, expected) => {
    expect(sanitizeName(name)).toBe(expected);
  });
});
