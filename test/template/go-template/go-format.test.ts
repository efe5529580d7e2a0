import { describe, expect, it } from 'vitest';
import {
  formatGoFloat,
  formatGoValue,
  goQuote,
  goSprintf,
} from '../../../src/template/go-template/go-format.ts';

describe('formatGoFloat (%v of a float64)', () => {
  it.each([
    [3, '3'],
    [1.5, '1.5'],
    [123456, '123456'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [0, '0'],
  ])('%d → %s', (value, expected) => {
    expect(formatGoFloat(value)).toBe(expected);
  });
});

describe('Go fmt helpers', () => {
  it('prints nested values the way fmt does', () => {
    expect(formatGoValue({ b: [1, 'x'], a: null })).toBe('map[a:<nil> b:[1 x]]');
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c\nd\u0001é')).toBe('"a\\"b\\\\c\\nd\\x01é"');
  });

  it('applies a verb to the elements of a list', () => {
    expect(goSprintf('%q', [['a', 'b']])).toBe('["a" "b"]');
  });
});
