import { GoTemplateError } from './go-template-error.ts';

/** A token inside one `{{ … }}` action. */
export type Token =
  | { kind: 'dot'; spaceBefore: boolean }
  | { kind: 'field'; names: string[]; spaceBefore: boolean }
  | { kind: 'variable'; name: string; names: string[]; spaceBefore: boolean }
  | { kind: 'identifier'; name: string; spaceBefore: boolean }
  | { kind: 'string'; value: string; spaceBefore: boolean }
  | { kind: 'number'; value: number; spaceBefore: boolean }
  | { kind: 'bool'; value: boolean; spaceBefore: boolean }
  | { kind: 'nil'; spaceBefore: boolean }
  | { kind: 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'; spaceBefore: boolean };

/** The template split into literal text and actions, with `{{-`/`-}}` trimming already applied. */
export type Item = { type: 'text'; value: string } | { type: 'action'; tokens: Token[]; source: string };

const SPACE = new Set([' ', '\t', '\r', '\n']);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const NUMBER =
  /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/;

export function lexTemplate(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    let literal = open === -1 ? text.slice(pos) : text.slice(pos, open);
    if (trimNext) literal = literal.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open === -1) {
      if (literal) items.push({ type: 'text', value: literal });
      break;
    }
    let start = open + 2;
    // `{{- ` trims the text before; `{{-3}}` is a negative number, not a trim marker.
    if (text[start] === '-' && SPACE.has(text[start + 1] ?? '')) {
      literal = literal.replace(/[ \t\r\n]+$/, '');
      start += 2;
    }
    if (literal) items.push({ type: 'text', value: literal });
    const end = findActionEnd(text, start);
    let body = text.slice(start, end);
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -2);
      trimNext = true;
    }
    pos = end + 2;
    const trimmed = body.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) throw new GoTemplateError('unclosed comment');
      continue;
    }
    items.push({ type: 'action', tokens: lexAction(body), source: `{{${text.slice(start, end)}}}` });
  }
  return items;
}

/** Index of the `}}` closing the action that starts at `start`, skipping quoted strings. */
function findActionEnd(text: string, start: number): number {
  let i = start;
  if (text.slice(i).trimStart().startsWith('/*')) {
    const close = text.indexOf('*/', i);
    if (close === -1) throw new GoTemplateError('unclosed comment');
    const end = text.indexOf('}}', close + 2);
    if (end === -1) throw new GoTemplateError('unclosed action');
    return end;
  }
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++;
        if (text[i] === '\n') throw new GoTemplateError('unterminated quoted string');
        i++;
      }
      if (i >= text.length) throw new GoTemplateError('unterminated quoted string');
      i++;
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close === -1) throw new GoTemplateError('unterminated raw quoted string');
      i = close + 1;
    } else if (c === '}' && text[i + 1] === '}') {
      return i;
    } else {
      i++;
    }
  }
  throw new GoTemplateError('unclosed action');
}

function lexAction(body: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaceBefore = true;
  const push = (token: Token): void => {
    tokens.push(token);
    spaceBefore = false;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (SPACE.has(c)) {
      spaceBefore = true;
      i++;
      continue;
    }
    if (c === '|') {
      push({ kind: 'pipe', spaceBefore });
      i++;
    } else if (c === '(') {
      push({ kind: 'lparen', spaceBefore });
      i++;
    } else if (c === ')') {
      push({ kind: 'rparen', spaceBefore });
      i++;
    } else if (c === ',') {
      push({ kind: 'comma', spaceBefore });
      i++;
    } else if (c === ':' && body[i + 1] === '=') {
      push({ kind: 'declare', spaceBefore });
      i += 2;
    } else if (c === '=') {
      push({ kind: 'assign', spaceBefore });
      i++;
    } else if (c === '"') {
      const { value, next } = readQuoted(body, i);
      push({ kind: 'string', value, spaceBefore });
      i = next;
    } else if (c === '`') {
      const close = body.indexOf('`', i + 1);
      push({ kind: 'string', value: body.slice(i + 1, close).replaceAll('\r', ''), spaceBefore });
      i = close + 1;
    } else if (c === "'") {
      throw new GoTemplateError('character constants are not supported');
    } else if (c === '.' && IDENT_START.test(body[i + 1] ?? '')) {
      const { names, next } = readFieldChain(body, i);
      push({ kind: 'field', names, spaceBefore });
      i = next;
    } else if (c === '$') {
      let j = i + 1;
      while (j < body.length && IDENT_PART.test(body[j]!)) j++;
      const { names, next } = readFieldChain(body, j);
      push({ kind: 'variable', name: body.slice(i, j), names, spaceBefore });
      i = next;
    } else if (/[0-9+-]/.test(c) || (c === '.' && /[0-9]/.test(body[i + 1] ?? ''))) {
      const match = NUMBER.exec(body.slice(i));
      if (!match) throw new GoTemplateError(`bad number syntax near "${body.slice(i, i + 10)}"`);
      const literal = match[0].replaceAll('_', '');
      const value = parseNumber(literal);
      if (Number.isNaN(value)) throw new GoTemplateError(`bad number syntax: "${match[0]}"`);
      push({ kind: 'number', value, spaceBefore });
      i += match[0].length;
    } else if (c === '.') {
      push({ kind: 'dot', spaceBefore });
      i++;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < body.length && IDENT_PART.test(body[j]!)) j++;
      const name = body.slice(i, j);
      if (body[j] === '.' && IDENT_START.test(body[j + 1] ?? '')) {
        throw new GoTemplateError(`unexpected "." after "${name}"`);
      }
      if (name === 'true' || name === 'false') push({ kind: 'bool', value: name === 'true', spaceBefore });
      else if (name === 'nil') push({ kind: 'nil', spaceBefore });
      else push({ kind: 'identifier', name, spaceBefore });
      i = j;
    } else {
      throw new GoTemplateError(`unexpected "${c}" in action`);
    }
  }
  return tokens;
}

function parseNumber(literal: string): number {
  const negative = literal.startsWith('-');
  const unsigned = literal.replace(/^[+-]/, '');
  let value: number;
  if (/^0[xX]/.test(unsigned)) value = Number.parseInt(unsigned.slice(2), 16);
  else if (/^0[bB]/.test(unsigned)) value = Number.parseInt(unsigned.slice(2), 2);
  else if (/^0[oO]/.test(unsigned)) value = Number.parseInt(unsigned.slice(2), 8);
  else if (/^0[0-7]+$/.test(unsigned)) value = Number.parseInt(unsigned, 8);
  else value = Number(unsigned);
  return negative ? -value : value;
}

function readFieldChain(body: string, start: number): { names: string[]; next: number } {
  const names: string[] = [];
  let i = start;
  while (body[i] === '.' && IDENT_START.test(body[i + 1] ?? '')) {
    let j = i + 1;
    while (j < body.length && IDENT_PART.test(body[j]!)) j++;
    names.push(body.slice(i + 1, j));
    i = j;
  }
  return { names, next: i };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

function readQuoted(body: string, start: number): { value: string; next: number } {
  let out = '';
  let i = start + 1;
  while (i < body.length && body[i] !== '"') {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = Object.hasOwn(SIMPLE_ESCAPES, e) ? SIMPLE_ESCAPES[e] : undefined;
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len)
        throw new GoTemplateError('invalid escape in string');
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 2 + len;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new GoTemplateError('invalid escape in string');
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 4;
    } else {
      throw new GoTemplateError(`unknown escape sequence "\\${e}"`);
    }
  }
  return { value: out, next: i + 1 };
}
