import { isRecord } from '../model/kube-object.ts';
import { goFormatFloatShortest, goQuote, goTypeName, goValueString } from './go-values.ts';

/**
 * A format/argument mismatch. Go's fmt would not fail: it would write `%!d(float64=1.5)` into the
 * field. A plan must not present that garbage as the intended value, so the mismatch is an error.
 */
export class GoFormatError extends Error {
  override readonly name = 'GoFormatError';
}

const VERB = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/y;

/** The subset of Go's fmt.Sprintf used in compositions: %s %d %v %f %q %t %x %X %e %g %%, flags, width, precision. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    VERB.lastIndex = pct;
    const m = VERB.exec(format);
    if (!m || m[4] === undefined)
      throw new GoFormatError(`format ${JSON.stringify(format)}: %!(NOVERB) at position ${pct}`);
    const whole = m[0];
    const flags = m[1] ?? '';
    const width = m[2];
    const precision = m[3];
    const verb = m[4];
    i = pct + whole.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length)
      throw new GoFormatError(`format ${JSON.stringify(format)}: %!${verb}(MISSING) — too few values`);
    const arg = args[argIndex++];
    const body = formatOne(
      verb,
      arg,
      flags,
      precision === undefined ? undefined : Number(precision || '0'),
      format,
    );
    out += pad(body, flags, width === undefined ? 0 : Number(width), verb);
  }
  if (argIndex < args.length) {
    throw new GoFormatError(
      `format ${JSON.stringify(format)}: %!(EXTRA ${args
        .slice(argIndex)
        .map((a) => `${goTypeName(a)}=${goValueString(a)}`)
        .join(', ')})`,
    );
  }
  return out;
}

function mismatch(verb: string, arg: unknown, format: string): GoFormatError {
  return new GoFormatError(
    `format ${JSON.stringify(format)}: %${verb} does not accept ${goTypeName(arg)} ${goValueString(arg)} (Go would render "%!${verb}(${goTypeName(arg)}=${goValueString(arg)})")`,
  );
}

function allLeavesAreStrings(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (Array.isArray(value)) return value.every(allLeavesAreStrings);
  if (isRecord(value)) return Object.values(value).every(allLeavesAreStrings);
  return false;
}

function formatOne(
  verb: string,
  arg: unknown,
  flags: string,
  precision: number | undefined,
  format: string,
): string {
  switch (verb) {
    case 'v':
      if (flags.includes('#'))
        throw new GoFormatError(`format ${JSON.stringify(format)}: %#v is not supported`);
      return typeof arg === 'number' && !Number.isInteger(arg) && precision !== undefined
        ? arg.toPrecision(Math.max(precision, 1))
        : goValueString(arg);
    case 's': {
      if (!allLeavesAreStrings(arg)) throw mismatch(verb, arg, format);
      const s = goValueString(arg);
      return precision === undefined ? s : Array.from(s).slice(0, precision).join('');
    }
    case 'q':
      if (typeof arg !== 'string') throw mismatch(verb, arg, format);
      return goQuote(arg);
    case 'd': {
      if (typeof arg !== 'number' || !Number.isInteger(arg)) throw mismatch(verb, arg, format);
      return withSign(String(Math.abs(arg)), arg < 0, flags);
    }
    case 'f':
    case 'F': {
      if (typeof arg !== 'number') throw mismatch(verb, arg, format);
      return withSign(Math.abs(arg).toFixed(precision ?? 6), arg < 0 || Object.is(arg, -0), flags);
    }
    case 'e':
    case 'E': {
      if (typeof arg !== 'number') throw mismatch(verb, arg, format);
      const [mant, exp] = Math.abs(arg)
        .toExponential(precision ?? 6)
        .split('e') as [string, string];
      const e = Number(exp);
      const text = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
      return withSign(verb === 'E' ? text.toUpperCase() : text, arg < 0, flags);
    }
    case 'g': {
      if (typeof arg !== 'number') throw mismatch(verb, arg, format);
      if (precision !== undefined)
        throw new GoFormatError(`format ${JSON.stringify(format)}: %g with a precision is not supported`);
      return withSign(
        Number.isInteger(arg) ? String(Math.abs(arg)) : goFormatFloatShortest(Math.abs(arg)),
        arg < 0,
        flags,
      );
    }
    case 't':
      if (typeof arg !== 'boolean') throw mismatch(verb, arg, format);
      return arg ? 'true' : 'false';
    case 'x':
    case 'X': {
      let text: string;
      if (typeof arg === 'number' && Number.isInteger(arg)) {
        text = withSign(Math.abs(arg).toString(16), arg < 0, flags);
      } else if (typeof arg === 'string') {
        text = Buffer.from(arg, 'utf8').toString('hex');
      } else {
        throw mismatch(verb, arg, format);
      }
      return verb === 'X' ? text.toUpperCase() : text;
    }
    default:
      throw new GoFormatError(`format ${JSON.stringify(format)}: verb %${verb} is not supported`);
  }
}

function withSign(digits: string, negative: boolean, flags: string): string {
  if (negative) return `-${digits}`;
  if (flags.includes('+')) return `+${digits}`;
  if (flags.includes(' ')) return ` ${digits}`;
  return digits;
}

function pad(body: string, flags: string, width: number, verb: string): string {
  const length = Array.from(body).length;
  if (length >= width) return body;
  const fill = width - length;
  if (flags.includes('-')) return body + ' '.repeat(fill);
  if (flags.includes('0') && 'dfFeExXg'.includes(verb)) {
    const sign = /^[-+ ]/.test(body) ? body[0]! : '';
    return sign + '0'.repeat(fill) + body.slice(sign.length);
  }
  return ' '.repeat(fill) + body;
}
