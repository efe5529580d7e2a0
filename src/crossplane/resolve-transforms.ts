import { createHash } from 'node:crypto';
import { isRecord } from '../model/kube-object.ts';
import { GoFormatError, goSprintf } from './go-sprintf.ts';
import { goJsonMarshal, goTypeName, goValueString } from './go-values.ts';
import { parseQuantity, QuantityError } from './parse-quantity.ts';
import { compileSafeRegExp, UnsafeRegExpError } from './safe-regexp.ts';

/**
 * A transform that cannot be evaluated: invalid configuration, an input of the wrong type, or a
 * transform type this evaluator does not know. Mirrors function-patch-and-transform's errors
 * (`transform at index N returned error: <type> transform could not resolve: ...`).
 */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  readonly transformType: string;
  readonly index: number | undefined;
  constructor(message: string, transformType: string, index?: number) {
    super(message);
    this.transformType = transformType;
    this.index = index;
  }
}

/** Applies transforms in order, each to the previous output. */
export function resolveTransforms(transforms: readonly unknown[] | undefined, input: unknown): unknown {
  let value = input;
  (transforms ?? []).forEach((t, index) => {
    try {
      value = resolveTransform(t, value);
    } catch (error) {
      if (error instanceof TransformError) {
        throw new TransformError(
          `transform at index ${index} returned error: ${error.message}`,
          error.transformType,
          index,
        );
      }
      throw error;
    }
  });
  return value;
}

/** Applies one transform (`map`, `match`, `math`, `string`, `convert`). */
export function resolveTransform(transform: unknown, input: unknown): unknown {
  if (!isRecord(transform)) throw new TransformError('transform must be an object', 'unknown');
  const type = transform.type;
  if (typeof type !== 'string') throw new TransformError('transform type is required', 'unknown');
  if (!TRANSFORM_TYPES.includes(type))
    throw new TransformError(`transform type ${type} is not supported`, type);
  const config = transform[type];
  if (config === undefined)
    throw new TransformError(`given transform type ${type} requires configuration`, type);
  try {
    switch (type) {
      case 'map':
        return resolveMap(config, input);
      case 'match':
        return resolveMatch(config, input);
      case 'math':
        return resolveMath(config, input);
      case 'string':
        return resolveString(config, input);
      default:
        return resolveConvert(config, input);
    }
  } catch (error) {
    if (
      error instanceof TransformError ||
      error instanceof GoFormatError ||
      error instanceof UnsafeRegExpError ||
      error instanceof QuantityError
    ) {
      throw new TransformError(`${type} transform could not resolve: ${error.message}`, type);
    }
    throw error;
  }
}

const TRANSFORM_TYPES = ['map', 'match', 'math', 'string', 'convert'];

function fail(type: string, message: string): never {
  throw new TransformError(message, type);
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

function resolveMap(config: unknown, input: unknown): unknown {
  if (!isRecord(config) || Object.keys(config).length === 0) {
    fail('map', 'at least one pair must be specified if a map transform is specified');
  }
  if (typeof input !== 'string') fail('map', `type ${goTypeName(input)} is not supported for map transform`);
  if (!Object.hasOwn(config, input)) fail('map', `key ${input} is not found in map`);
  return clone(config[input]);
}

function resolveMatch(config: unknown, input: unknown): unknown {
  if (!isRecord(config)) fail('match', 'match transform requires configuration');
  const patterns = config.patterns;
  if (!Array.isArray(patterns) || patterns.length === 0) {
    fail('match', 'at least one pattern must be specified if a match transform is specified');
  }
  patterns.forEach((p, i) => {
    if (!isRecord(p)) fail('match', `pattern at index ${i} must be an object`);
    const type = p.type ?? 'literal';
    if (type === 'literal') {
      if (typeof p.literal !== 'string')
        fail('match', `cannot match pattern at index ${i}: literal is required by type literal`);
    } else if (type === 'regexp') {
      if (typeof p.regexp !== 'string')
        fail('match', `cannot match pattern at index ${i}: regexp is required by type regexp`);
      compileSafeRegExp(p.regexp);
    } else {
      fail('match', `cannot match pattern at index ${i}: unsupported pattern type '${String(type)}'`);
    }
  });
  for (const [i, p] of (patterns as Record<string, unknown>[]).entries()) {
    const type = p.type ?? 'literal';
    if (typeof input !== 'string') {
      fail(
        'match',
        `cannot match pattern at index ${i}: unsupported input type '${input === null || input === undefined ? 'null' : goTypeName(input)}'`,
      );
    }
    const matches =
      type === 'literal' ? input === p.literal : compileSafeRegExp(p.regexp as string).test(input);
    if (matches) return p.result === undefined ? null : clone(p.result);
  }
  const fallbackTo = config.fallbackTo ?? 'Value';
  if (fallbackTo === 'Input') {
    if (config.fallbackValue !== undefined && config.fallbackValue !== null) {
      fail('match', 'cannot set both a fallback value and the fallback to input flag');
    }
    return input;
  }
  if (fallbackTo !== 'Value') fail('match', `unsupported fallbackTo ${JSON.stringify(fallbackTo)}`);
  return config.fallbackValue === undefined ? null : clone(config.fallbackValue);
}

function requireInt(type: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(type, `${name} must be an integer`);
  return value;
}

function resolveMath(config: unknown, input: unknown): unknown {
  if (!isRecord(config)) fail('math', 'math transform requires configuration');
  // Legacy Compositions wrote `math: {multiply: 2}`; the CRD defaulted the type to Multiply.
  const type = config.type ?? (config.multiply !== undefined ? 'Multiply' : undefined);
  if (type === undefined) fail('math', 'math transform type is required');
  if (type !== 'Multiply' && type !== 'ClampMin' && type !== 'ClampMax') {
    fail('math', `type ${String(type)} is not supported for math transform type`);
  }
  const key = type === 'Multiply' ? 'multiply' : type === 'ClampMin' ? 'clampMin' : 'clampMax';
  if (config[key] === undefined) fail('math', `must specify a value if a ${key} math transform is specified`);
  const operand = requireInt('math', key, config[key]);
  if (typeof input !== 'number')
    fail('math', `input is required to be a number for math transformer, got ${goTypeName(input)}`);
  if (type === 'Multiply') return input * operand;
  // Clamps compare the input truncated to an integer and return either the clamp (an int64) or
  // the untouched input, preserving its type.
  const truncated = Math.trunc(input);
  if (type === 'ClampMin') return truncated < operand ? operand : input;
  return truncated > operand ? operand : input;
}

function resolveString(config: unknown, input: unknown): string {
  if (!isRecord(config)) fail('string', 'string transform requires configuration');
  // Legacy Compositions omitted the type for Format; the CRD defaulted it.
  const type = config.type ?? (config.fmt !== undefined ? 'Format' : undefined);
  if (type === undefined) fail('string', 'string transform type is required');
  switch (type) {
    case 'Format':
      if (typeof config.fmt !== 'string') fail('string', 'string transform of type Format fmt is not set');
      return goSprintf(config.fmt, [input]);
    case 'Convert':
      if (typeof config.convert !== 'string')
        fail('string', 'string transform of type Convert convert is not set');
      return stringConvert(config.convert, input);
    case 'TrimPrefix':
    case 'TrimSuffix': {
      if (typeof config.trim !== 'string') fail('string', `string transform of type ${type} trim is not set`);
      const s = goValueString(input);
      if (type === 'TrimPrefix') return s.startsWith(config.trim) ? s.slice(config.trim.length) : s;
      return config.trim !== '' && s.endsWith(config.trim) ? s.slice(0, s.length - config.trim.length) : s;
    }
    case 'Regexp': {
      const r = config.regexp;
      if (!isRecord(r) || typeof r.match !== 'string' || r.match === '') {
        fail('string', 'string transform of type Regexp regexp is not set');
      }
      const group = r.group === undefined ? 0 : requireInt('string', 'regexp.group', r.group);
      const groups = compileSafeRegExp(r.match).findSubmatch(goValueString(input));
      if (!groups || group >= groups.length)
        fail('string', `regexp ${JSON.stringify(r.match)} had no matches for group ${group}`);
      return groups[group]!;
    }
    case 'Join': {
      const j = config.join;
      if (!isRecord(j)) fail('string', 'string transform of type Join join is not set');
      if (!Array.isArray(input)) fail('string', 'could not parse input array');
      const separator = typeof j.separator === 'string' ? j.separator : '';
      return input.map(goValueString).join(separator);
    }
    case 'Replace': {
      const r = config.replace;
      if (!isRecord(r) || typeof r.search !== 'string' || r.search === '') {
        fail('string', 'string transform of type Replace replace is not set');
      }
      const replacement = typeof r.replace === 'string' ? r.replace : '';
      return goValueString(input).split(r.search).join(replacement);
    }
    default:
      return fail('string', `type ${String(type)} is not supported for string transform type`);
  }
}

function hashInput(input: unknown): Buffer {
  return Buffer.from(typeof input === 'string' ? input : goJsonMarshal(input), 'utf8');
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function stringConvert(conversion: string, input: unknown): string {
  const str = goValueString(input);
  switch (conversion) {
    case 'ToUpper':
      return str.toUpperCase();
    case 'ToLower':
      return str.toLowerCase();
    case 'ToJson':
      return goJsonMarshal(input);
    case 'ToBase64':
      return Buffer.from(str, 'utf8').toString('base64');
    case 'FromBase64':
      // Go's StdEncoding is strict: padded, standard alphabet only.
      if (str.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(str))
        fail('string', 'string is not valid base64');
      return Buffer.from(str, 'base64').toString('utf8');
    case 'ToSha1':
      return createHash('sha1').update(hashInput(input)).digest('hex');
    case 'ToSha256':
      return createHash('sha256').update(hashInput(input)).digest('hex');
    case 'ToSha512':
      return createHash('sha512').update(hashInput(input)).digest('hex');
    case 'ToAdler32':
      return String(adler32(hashInput(input)));
    default:
      return fail('string', `type ${conversion} is not supported for string convert`);
  }
}

const IO_TYPES = ['string', 'bool', 'int', 'int64', 'float64', 'object', 'array'];
const FORMATS = ['none', 'quantity', 'json'];

function resolveConvert(config: unknown, input: unknown): unknown {
  if (!isRecord(config)) fail('convert', 'convert transform requires configuration');
  const format = config.format ?? 'none';
  if (typeof format !== 'string' || !FORMATS.includes(format))
    fail('convert', `invalid format ${JSON.stringify(format)}`);
  const toTypeRaw = config.toType;
  if (typeof toTypeRaw !== 'string' || !IO_TYPES.includes(toTypeRaw))
    fail('convert', `invalid type ${JSON.stringify(toTypeRaw)}`);
  const from = goTypeName(input);
  if (!['string', 'bool', 'int64', 'float64'].includes(from)) fail('convert', `invalid input type ${from}`);
  const to = toTypeRaw === 'int' ? 'int64' : toTypeRaw;
  if (to === from) return input;
  const unsupported = () =>
    fail('convert', `conversion from ${from} to ${to} is not supported with format ${format}`);
  const key = `${from}->${to}:${format}`;
  switch (key) {
    case 'string->int64:none': {
      const s = input as string;
      if (!/^[+-]?\d+$/.test(s))
        fail('convert', `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
      const n = Number(s);
      if (!Number.isSafeInteger(n))
        fail('convert', `strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
      return n;
    }
    case 'string->bool:none': {
      const s = input as string;
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
      return fail('convert', `strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
    }
    case 'string->float64:none': {
      const s = input as string;
      if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) {
        fail('convert', `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
      }
      const n = Number(s);
      if (!Number.isFinite(n))
        fail('convert', `strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`);
      return n;
    }
    case 'string->float64:quantity':
      return parseQuantity(input as string);
    case 'string->object:json':
    case 'string->array:json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input as string);
      } catch (error) {
        return fail(
          'convert',
          `cannot unmarshal JSON: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (to === 'object' && !isRecord(parsed))
        fail('convert', `json: cannot unmarshal ${goTypeName(parsed)} into map`);
      if (to === 'array' && !Array.isArray(parsed) && parsed !== null) {
        fail('convert', `json: cannot unmarshal ${goTypeName(parsed)} into slice`);
      }
      return parsed;
    }
    case 'int64->string:none':
      return String(input);
    case 'int64->bool:none':
    case 'float64->bool:none':
      return input === 1;
    case 'int64->float64:none':
      return input;
    case 'bool->string:none':
      return input ? 'true' : 'false';
    case 'bool->int64:none':
    case 'bool->float64:none':
      return input ? 1 : 0;
    case 'float64->string:none':
      // strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent.
      return formatFloatPlain(input as number);
    case 'float64->int64:none':
      return Math.trunc(input as number);
    default:
      return unsupported();
  }
}

function formatFloatPlain(f: number): string {
  const s = String(f);
  if (!/e/i.test(s)) return s;
  const [mantissa, exp] = f.toExponential().split('e') as [string, string];
  const e = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const point = 1 + e;
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + body;
}
