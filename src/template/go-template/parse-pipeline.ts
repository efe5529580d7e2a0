import { GoTemplateError } from './go-template-error.ts';
import type { Token } from './lexer.ts';

export type Operand =
  | { kind: 'dot' }
  | { kind: 'field'; names: string[] }
  | { kind: 'variable'; name: string; names: string[] }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'function'; name: string }
  | { kind: 'pipeline'; pipeline: Pipeline; names: string[] };

export interface Command {
  args: Operand[];
}

export interface Pipeline {
  commands: Command[];
}

interface Cursor {
  tokens: Token[];
  pos: number;
  /** Nesting of parentheses, bounded so a hostile template cannot exhaust the stack. */
  depth: number;
}

const MAX_PARENS = 100;

interface FunctionNames {
  isFunction: (name: string) => boolean;
}

/** A whole pipeline from an action's tokens (after any `:=`/`=`); every token must be used. */
export function parsePipelineTokens(tokens: Token[], options: FunctionNames, source: string): Pipeline {
  if (tokens.some((t) => t.kind === 'declare' || t.kind === 'assign')) {
    throw new GoTemplateError(`unexpected declaration in ${source}`);
  }
  const cursor = { tokens, pos: 0, depth: 0 };
  const pipeline = parsePipeline(cursor, options, source);
  if (cursor.pos < tokens.length)
    throw new GoTemplateError(`unexpected ${describe(tokens[cursor.pos]!)} in ${source}`);
  return pipeline;
}

function parsePipeline(cursor: Cursor, options: FunctionNames, source: string): Pipeline {
  const commands: Command[] = [];
  for (;;) {
    const args: Operand[] = [];
    while (cursor.pos < cursor.tokens.length) {
      const token = cursor.tokens[cursor.pos]!;
      if (token.kind === 'pipe' || token.kind === 'rparen') break;
      args.push(parseOperand(cursor, options, source));
    }
    if (args.length === 0) throw new GoTemplateError(`missing value for command in ${source}`);
    commands.push({ args });
    if (cursor.tokens[cursor.pos]?.kind !== 'pipe') break;
    cursor.pos++;
  }
  return { commands };
}

function parseOperand(cursor: Cursor, options: FunctionNames, source: string): Operand {
  const token = cursor.tokens[cursor.pos++]!;
  switch (token.kind) {
    case 'dot':
      return { kind: 'dot' };
    case 'field':
      return { kind: 'field', names: token.names };
    case 'variable':
      return { kind: 'variable', name: token.name, names: token.names };
    case 'string':
    case 'number':
    case 'bool':
      return { kind: 'literal', value: token.value };
    case 'nil':
      return { kind: 'literal', value: null };
    case 'identifier':
      if (!options.isFunction(token.name))
        throw new GoTemplateError(`function "${token.name}" is not supported`);
      return { kind: 'function', name: token.name };
    case 'lparen': {
      if (++cursor.depth > MAX_PARENS)
        throw new GoTemplateError(`parentheses nested deeper than ${MAX_PARENS}`);
      const pipeline = parsePipeline(cursor, options, source);
      cursor.depth--;
      if (cursor.tokens[cursor.pos]?.kind !== 'rparen')
        throw new GoTemplateError(`unclosed left paren in ${source}`);
      cursor.pos++;
      const next = cursor.tokens[cursor.pos];
      let names: string[] = [];
      if (next?.kind === 'field' && !next.spaceBefore) {
        names = next.names;
        cursor.pos++;
      }
      return { kind: 'pipeline', pipeline, names };
    }
    default:
      throw new GoTemplateError(`unexpected ${describe(token)} in ${source}`);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'rparen':
      return '")"';
    case 'pipe':
      return '"|"';
    case 'comma':
      return '","';
    default:
      return token.kind;
  }
}
