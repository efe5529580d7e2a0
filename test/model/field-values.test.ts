import { describe, expect, it } from 'vitest';
import { recordList, stringList, stringMap } from '../../src/model/field-values.ts';

describe('manifest field values', () => {
  it('keeps the string entries of a map and never a __proto__ key', () => {
    const value = JSON.parse('{"a":"1","b":2,"__proto__":"x","c":null}');
    const map = stringMap(value);
    expect(map).toEqual({ a: '1' });
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(stringMap(['a'])).toEqual({});
  });

  it('reads one string or a list of strings', () => {
    expect(stringList('base')).toEqual(['base']);
    expect(stringList(['a', 1, 'b', null])).toEqual(['a', 'b']);
    expect(stringList(undefined)).toEqual([]);
  });

  it('keeps only the object entries of a list', () => {
    const a = { path: 'a.yaml' };
    const b = { path: 'b.yaml' };
    expect(recordList([a, 'x', null, [1], 2, b])).toEqual([a, b]);
    expect(recordList({ path: 'a.yaml' })).toEqual([]);
    expect(recordList(undefined)).toEqual([]);
  });
});
