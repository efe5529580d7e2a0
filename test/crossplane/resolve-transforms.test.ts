import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  resolveTransform,
  resolveTransforms,
  TransformError,
} from '../../src/crossplane/resolve-transforms.ts';

/** A transform written as in a Composition. */
const t = (yaml: string): unknown => parse(yaml);

describe('resolveTransform: documented results', () => {
  test.each<[string, string, unknown, unknown]>([
    ['map: input used as a key', 'type: map\nmap: { us: us-east-2, eu: eu-north-1 }', 'eu', 'eu-north-1'],
    [
      'map: values may be any JSON',
      'type: map\nmap: { medium: { class: db.t3.medium, gb: 50 } }',
      'medium',
      { class: 'db.t3.medium', gb: 50 },
    ],
    [
      'match literal: first matching pattern wins',
      'type: match\nmatch: { patterns: [{ type: literal, literal: a, result: 1 }, { type: literal, literal: a, result: 2 }] }',
      'a',
      1,
    ],
    [
      'match pattern type defaults to literal',
      'type: match\nmatch: { patterns: [{ literal: a, result: x }] }',
      'a',
      'x',
    ],
    [
      'match regexp',
      "type: match\nmatch: { patterns: [{ type: regexp, regexp: '^field1.*', result: foundField1 }] }",
      'field1-text',
      'foundField1',
    ],
    [
      'match fallbackTo Value uses fallbackValue',
      'type: match\nmatch: { patterns: [{ type: literal, literal: UnknownString, result: r }], fallbackTo: Value, fallbackValue: StringNotFound }',
      'other',
      'StringNotFound',
    ],
    [
      'match fallbackTo Input returns the input',
      'type: match\nmatch: { patterns: [{ type: literal, literal: UnknownString, result: r }], fallbackTo: Input }',
      'other',
      'other',
    ],
    [
      'match without fallback yields null',
      'type: match\nmatch: { patterns: [{ type: literal, literal: x, result: r }] }',
      'other',
      null,
    ],
    ['math Multiply on an int keeps an int', 'type: math\nmath: { type: Multiply, multiply: 2 }', 3, 6],
    ['math Multiply on a float gives a float', 'type: math\nmath: { type: Multiply, multiply: 2 }', 1.5, 3],
    ['math legacy shorthand multiply', 'type: math\nmath: { multiply: 1024 }', 10, 10240],
    ['math ClampMin raises to the minimum', 'type: math\nmath: { type: ClampMin, clampMin: 20 }', 5, 20],
    ['math ClampMin keeps larger input', 'type: math\nmath: { type: ClampMin, clampMin: 20 }', 25, 25],
    ['math ClampMax lowers to the maximum', 'type: math\nmath: { type: ClampMax, clampMax: 5 }', 9, 5],
    [
      'math ClampMax keeps a float input untouched',
      'type: math\nmath: { type: ClampMax, clampMax: 5 }',
      4.5,
      4.5,
    ],
    ['string Format %s', 'type: string\nstring: { type: Format, fmt: "the-field-%s" }', 'x', 'the-field-x'],
    ['string Format %d', 'type: string\nstring: { type: Format, fmt: "%dGi" }', 20, '20Gi'],
    ['string Format %v of a float', 'type: string\nstring: { type: Format, fmt: "%v" }', 1.5, '1.5'],
    [
      'string Format %v of an object (Go map order)',
      'type: string\nstring: { type: Format, fmt: "%v" }',
      { b: 1, a: 'x' },
      'map[a:x b:1]',
    ],
    ['string Format %.2f', 'type: string\nstring: { type: Format, fmt: "%.2f" }', 1.23456, '1.23'],
    ['string Format %f', 'type: string\nstring: { type: Format, fmt: "%f" }', 2.5, '2.500000'],
    ['string Format %q', 'type: string\nstring: { type: Format, fmt: "%q" }', 'a"b', '"a\\"b"'],
    ['string Format %t', 'type: string\nstring: { type: Format, fmt: "on=%t" }', true, 'on=true'],
    ['string Format %x of an int', 'type: string\nstring: { type: Format, fmt: "%x" }', 255, 'ff'],
    ['string Format %x of a string', 'type: string\nstring: { type: Format, fmt: "%x" }', 'hi', '6869'],
    ['string Format %% and width', 'type: string\nstring: { type: Format, fmt: "%05d%%" }', 42, '00042%'],
    ['string type defaults to Format (legacy)', 'type: string\nstring: { fmt: "x-%s" }', 'y', 'x-y'],
    [
      'string Convert ToUpper',
      'type: string\nstring: { type: Convert, convert: ToUpper }',
      'field1-text',
      'FIELD1-TEXT',
    ],
    ['string Convert ToLower', 'type: string\nstring: { type: Convert, convert: ToLower }', 'AbC', 'abc'],
    [
      'string Convert ToJson of a string keeps the quotes',
      'type: string\nstring: { type: Convert, convert: ToJson }',
      'abc',
      '"abc"',
    ],
    [
      'string Convert ToJson sorts keys like encoding/json',
      'type: string\nstring: { type: Convert, convert: ToJson }',
      { b: [1, 'x'], a: true },
      '{"a":true,"b":[1,"x"]}',
    ],
    [
      'string Convert ToBase64',
      'type: string\nstring: { type: Convert, convert: ToBase64 }',
      'Crossplane',
      'Q3Jvc3NwbGFuZQ==',
    ],
    [
      'string Convert FromBase64',
      'type: string\nstring: { type: Convert, convert: FromBase64 }',
      'Q3Jvc3NwbGFuZQ==',
      'Crossplane',
    ],
    [
      'string Convert ToSha1 of a string',
      'type: string\nstring: { type: Convert, convert: ToSha1 }',
      'abc',
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    ],
    [
      'string Convert ToSha256 of a string',
      'type: string\nstring: { type: Convert, convert: ToSha256 }',
      'abc',
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ],
    [
      'string Convert ToSha512 hashes the JSON of non-strings',
      'type: string\nstring: { type: Convert, convert: ToSha512 }',
      { a: 1 },
      createHash('sha512').update('{"a":1}').digest('hex'),
    ],
    [
      'string Convert ToAdler32 yields a decimal string',
      'type: string\nstring: { type: Convert, convert: ToAdler32 }',
      'Wikipedia',
      '300286872',
    ],
    ['string TrimPrefix', 'type: string\nstring: { type: TrimPrefix, trim: "eu-" }', 'eu-north-1', 'north-1'],
    ['string TrimSuffix', 'type: string\nstring: { type: TrimSuffix, trim: "-north-1" }', 'eu-north-1', 'eu'],
    [
      'string Regexp whole match by default',
      "type: string\nstring: { type: Regexp, regexp: { match: '^eu-(.*)-' } }",
      'eu-north-1',
      'eu-north-',
    ],
    [
      'string Regexp group',
      "type: string\nstring: { type: Regexp, regexp: { match: '^eu-(.*)-', group: 1 } }",
      'eu-north-1',
      'north',
    ],
    [
      'string Join with separator',
      'type: string\nstring: { type: Join, join: { separator: "," } }',
      ['a', 'b', 3],
      'a,b,3',
    ],
    [
      'string Replace all occurrences',
      'type: string\nstring: { type: Replace, replace: { search: "-", replace: "_" } }',
      'a-b-c',
      'a_b_c',
    ],
    ['convert int64 to string', 'type: convert\nconvert: { toType: string }', 42, '42'],
    [
      'convert float64 to string (no exponent)',
      'type: convert\nconvert: { toType: string }',
      1.5e-7,
      '0.00000015',
    ],
    ['convert string to int', 'type: convert\nconvert: { toType: int }', '-12', -12],
    ['convert string to int64', 'type: convert\nconvert: { toType: int64 }', '12', 12],
    ['convert string "true" to bool', 'type: convert\nconvert: { toType: bool }', 'true', true],
    ['convert string "False" to bool', 'type: convert\nconvert: { toType: bool }', 'False', false],
    [
      'convert string "1" to bool (strconv.ParseBool, as documented)',
      'type: convert\nconvert: { toType: bool }',
      '1',
      true,
    ],
    ['convert int 1 to bool is true', 'type: convert\nconvert: { toType: bool }', 1, true],
    ['convert int 2 to bool is false', 'type: convert\nconvert: { toType: bool }', 2, false],
    ['convert bool to int', 'type: convert\nconvert: { toType: int64 }', true, 1],
    ['convert bool to string', 'type: convert\nconvert: { toType: string }', false, 'false'],
    ['convert float64 to int64 truncates', 'type: convert\nconvert: { toType: int64 }', 2.9, 2],
    ['convert string to float64', 'type: convert\nconvert: { toType: float64 }', '2.5', 2.5],
    [
      'convert quantity 1Gi to float64',
      'type: convert\nconvert: { toType: float64, format: quantity }',
      '1Gi',
      1073741824,
    ],
    [
      'convert quantity 500m to float64',
      'type: convert\nconvert: { toType: float64, format: quantity }',
      '500m',
      0.5,
    ],
    [
      'convert quantity 2k to float64',
      'type: convert\nconvert: { toType: float64, format: quantity }',
      '2k',
      2000,
    ],
    [
      'convert string to object with format json',
      'type: convert\nconvert: { toType: object, format: json }',
      '{"kubernetes.io/cluster/a": "true"}',
      { 'kubernetes.io/cluster/a': 'true' },
    ],
    [
      'convert string to array with format json',
      'type: convert\nconvert: { toType: array, format: json }',
      '[1, "a"]',
      [1, 'a'],
    ],
    ['convert to the same type is a no-op', 'type: convert\nconvert: { toType: string }', 'x', 'x'],
  ])('%s', (_name, transform, input, expected) => {
    expect(resolveTransform(t(transform), input)).toEqual(expected);
  });
});

describe('resolveTransform: errors are typed, never silent', () => {
  test.each<[string, string, unknown, RegExp]>([
    [
      'unknown transform type names it',
      'type: jq\njq: { expr: . }',
      'x',
      /transform type jq is not supported/,
    ],
    ['map key not found', 'type: map\nmap: { a: b }', 'z', /key z is not found in map/],
    [
      'map of a non-string input',
      'type: map\nmap: { a: b }',
      3,
      /type int64 is not supported for map transform/,
    ],
    [
      'match literal on a number',
      'type: match\nmatch: { patterns: [{ type: literal, literal: a, result: b }] }',
      3,
      /unsupported input type 'int64'/,
    ],
    [
      'match with both fallbacks',
      'type: match\nmatch: { patterns: [{ literal: a, result: b }], fallbackTo: Input, fallbackValue: c }',
      'z',
      /both a fallback value/,
    ],
    [
      'math on a string',
      'type: math\nmath: { type: Multiply, multiply: 2 }',
      '3',
      /input is required to be a number/,
    ],
    ['math without a type', 'type: math\nmath: { clampMin: 2 }', 3, /math transform type is required/],
    [
      'math unknown type',
      'type: math\nmath: { type: Divide, multiply: 2 }',
      3,
      /type Divide is not supported/,
    ],
    [
      'Format %d of a float',
      'type: string\nstring: { type: Format, fmt: "%d" }',
      1.5,
      /%d does not accept float64 1\.5.*%!d\(float64=1\.5\)/,
    ],
    [
      'Format %s of a number',
      'type: string\nstring: { type: Format, fmt: "%s" }',
      5,
      /%s does not accept int64/,
    ],
    ['Format with too few values', 'type: string\nstring: { type: Format, fmt: "%s-%s" }', 'a', /MISSING/],
    ['Format with extra values', 'type: string\nstring: { type: Format, fmt: "static" }', 'a', /EXTRA/],
    [
      'Regexp without a match',
      "type: string\nstring: { type: Regexp, regexp: { match: '^x' } }",
      'abc',
      /had no matches for group 0/,
    ],
    [
      'Regexp group out of range',
      "type: string\nstring: { type: Regexp, regexp: { match: 'a', group: 2 } }",
      'abc',
      /no matches for group 2/,
    ],
    [
      'Regexp with a backreference',
      "type: string\nstring: { type: Regexp, regexp: { match: '(a)\\1' } }",
      'aa',
      /backreferences are not RE2/,
    ],
    [
      'Join of a non-array',
      'type: string\nstring: { type: Join, join: { separator: "," } }',
      'a',
      /could not parse input array/,
    ],
    [
      'FromBase64 of invalid data',
      'type: string\nstring: { type: Convert, convert: FromBase64 }',
      'not base64!',
      /not valid base64/,
    ],
    [
      'unknown string Convert',
      'type: string\nstring: { type: Convert, convert: ToRot13 }',
      'a',
      /ToRot13 is not supported/,
    ],
    ['convert bool from "yes"', 'type: convert\nconvert: { toType: bool }', 'yes', /ParseBool/],
    ['convert int from "1.5"', 'type: convert\nconvert: { toType: int }', '1.5', /ParseInt/],
    [
      'convert quantity to int is not a supported pair',
      'type: convert\nconvert: { toType: int64, format: quantity }',
      '1Gi',
      /conversion from string to int64 is not supported with format quantity/,
    ],
    [
      'convert bad quantity',
      'type: convert\nconvert: { toType: float64, format: quantity }',
      '1Gb',
      /quantities must match/,
    ],
    ['convert an object input', 'type: convert\nconvert: { toType: string }', { a: 1 }, /invalid input type/],
    ['convert invalid toType', 'type: convert\nconvert: { toType: decimal }', '1', /invalid type/],
    ['missing configuration', 'type: string', 'a', /requires configuration/],
  ])('%s', (_name, transform, input, message) => {
    expect(() => resolveTransform(t(transform), input)).toThrow(TransformError);
    expect(() => resolveTransform(t(transform), input)).toThrow(message);
  });

  test('a failing transform in a chain reports its index and type', () => {
    try {
      resolveTransforms(
        [t('type: string\nstring: { fmt: "%s" }'), t('type: math\nmath: { multiply: 2 }')],
        'a',
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TransformError);
      expect((error as TransformError).index).toBe(1);
      expect((error as TransformError).transformType).toBe('math');
      expect((error as TransformError).message).toMatch(
        /^transform at index 1 returned error: math transform could not resolve/,
      );
    }
  });

  test('transforms chain in order', () => {
    const chain = [
      t('type: convert\nconvert: { toType: float64, format: quantity }'),
      t('type: convert\nconvert: { toType: int64 }'),
      t('type: math\nmath: { type: Multiply, multiply: 2 }'),
    ];
    expect(resolveTransforms(chain, '1k')).toBe(2000);
  });
});
