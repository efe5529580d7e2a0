import { isRecord } from '../../model/kube-object.ts';
import { GoTemplateError } from './go-template-error.ts';
import { UnknownValue } from './unknown-value.ts';

/**
 * Go's fmt rendering of the values a template sees. Argo CD decodes parameters from JSON, so every number
 * is a float64 there and prints with %v's shortest %g form (`1e+06`, not `1000000`).
 */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  if (isRecord(value)) return 'map[string]interface {}';
  return typeof value;
}

export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** `%v` (and what an action prints for a non-string value). */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (value instanceof UnknownValue) return value.printed;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatGoFloat(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${formatGoValue(value[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** strconv.Quote: printable Unicode is kept, control characters are escaped. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 11) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function badVerb(verb: string, value: unknown): string {
  if (value === null || value === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${formatGoValue(value)})`;
}

function formatVerb(verb: string, value: unknown): string {
  if (verb === 'v' || value instanceof UnknownValue) return formatGoValue(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatVerb(verb, v)).join(' ')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${formatVerb(verb, k)}:${formatVerb(verb, value[k])}`).join(' ')}]`;
  }
  switch (verb) {
    case 's':
      return typeof value === 'string' ? value : badVerb(verb, value);
    case 'q':
      return typeof value === 'string' ? goQuote(value) : badVerb(verb, value);
    case 'd':
      // Lenient on purpose: Argo CD's parameters are float64 (Go would print %!d(float64=3)), but a
      // template author writing %d means the integer.
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : badVerb(verb, value);
    default:
      throw new GoTemplateError(`printf verb "%${verb}" is not supported`);
  }
}

/** fmt.Sprintf for the verbs %s %d %v %q and %%, without flags, width or precision. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const verb = format[i + 1];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!'sdvq'.includes(verb)) throw new GoTemplateError(`printf verb "%${verb}" is not supported`);
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatVerb(verb, args[argIndex++]);
  }
  if (argIndex < args.length) {
    const extra = args
      .slice(argIndex)
      .map((a) => (a === null ? '<nil>' : `${goTypeName(a)}=${formatGoValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatGoValue(arg);
  });
  return out;
}
