import { GoTemplateError } from './go-template-error.ts';
import { type Item, lexTemplate, type Token } from './lexer.ts';

export type Operand =
  | { kind: 'dot' }
  | { kind: 'field'; names: string[] }
  | { kind: 'root'; names: string[] }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'function'; name: string }
  | { kind: 'pipeline'; pipeline: Pipeline; names: string[] };

export interface Command {
  args: Operand[];
}

export interface Pipeline {
  commands: Command[];
}

export type Node =
  | { kind: 'text'; value: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if' | 'with'; pipeline: Pipeline; then: Node[]; otherwise: Node[] };

/** Names a function may have: checked at parse time, as Go does, so an unsupported one fails even in a branch not taken. */
export interface ParseOptions {
  isFunction: (name: string) => boolean;
}

const UNSUPPORTED_ACTIONS = new Set(['range', 'template', 'define', 'block', 'break', 'continue']);

export function parseTemplate(text: string, options: ParseOptions): Node[] {
  const items = lexTemplate(text);
  const state = { items, pos: 0 };
  const nodes = parseList(state, options, new Set());
  if (state.pos < items.length) {
    const item = items[state.pos]!;
    throw new GoTemplateError(`unexpected ${item.type === 'action' ? item.source : 'text'}`);
  }
  return nodes;
}

interface ParseState {
  items: Item[];
  pos: number;
}

/** Parses nodes until one of `terminators` (`end`, `else`) is the next action's keyword; leaves it unconsumed. */
function parseList(state: ParseState, options: ParseOptions, terminators: Set<string>): Node[] {
  const nodes: Node[] = [];
  while (state.pos < state.items.length) {
    const item = state.items[state.pos]!;
    if (item.type === 'text') {
      nodes.push({ kind: 'text', value: item.value });
      state.pos++;
      continue;
    }
    const first = item.tokens[0];
    if (!first) throw new GoTemplateError(`missing value for command in ${item.source}`);
    const keyword = first.kind === 'identifier' ? first.name : undefined;
    if (keyword === 'end' || keyword === 'else') {
      if (!terminators.has(keyword)) throw new GoTemplateError(`unexpected {{${keyword}}}`);
      return nodes;
    }
    if (keyword !== undefined && UNSUPPORTED_ACTIONS.has(keyword)) {
      throw new GoTemplateError(`the "${keyword}" action is not supported`);
    }
    state.pos++;
    if (keyword === 'if' || keyword === 'with') {
      nodes.push(parseControl(state, options, keyword, item.tokens.slice(1), item.source));
    } else {
      nodes.push({ kind: 'action', pipeline: parsePipelineTokens(item.tokens, options, item.source) });
    }
  }
  return nodes;
}

function parseControl(
  state: ParseState,
  options: ParseOptions,
  keyword: 'if' | 'with',
  tokens: Token[],
  source: string,
): Node {
  const pipeline = parsePipelineTokens(tokens, options, source);
  const then = parseList(state, options, new Set(['end', 'else']));
  const closing = state.items[state.pos];
  if (closing?.type !== 'action') throw new GoTemplateError(`unexpected EOF: missing {{end}} for ${source}`);
  state.pos++;
  const closingKeyword = closing.tokens[0]?.kind === 'identifier' ? closing.tokens[0].name : '';
  if (closingKeyword === 'end') {
    if (closing.tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${closing.source}`);
    return { kind: keyword, pipeline, then, otherwise: [] };
  }
  // `else`, `else if …` or `else with …`: the chained form nests a control node and shares the outer {{end}}.
  const rest = closing.tokens.slice(1);
  const chained = rest[0]?.kind === 'identifier' ? rest[0].name : undefined;
  if (chained === 'if' || chained === 'with') {
    const nested = parseControl(state, options, chained, rest.slice(1), closing.source);
    return { kind: keyword, pipeline, then, otherwise: [nested] };
  }
  if (rest.length > 0) throw new GoTemplateError(`unexpected tokens in ${closing.source}`);
  const otherwise = parseList(state, options, new Set(['end']));
  const end = state.items[state.pos];
  if (end?.type !== 'action') throw new GoTemplateError(`unexpected EOF: missing {{end}} for ${source}`);
  if (end.tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${end.source}`);
  state.pos++;
  return { kind: keyword, pipeline, then, otherwise };
}

function parsePipelineTokens(tokens: Token[], options: ParseOptions, source: string): Pipeline {
  if (tokens.some((t) => t.kind === 'declare' || t.kind === 'assign')) {
    throw new GoTemplateError(`variable declarations are not supported: ${source}`);
  }
  const cursor = { tokens, pos: 0 };
  const pipeline = parsePipeline(cursor, options, source);
  if (cursor.pos < tokens.length)
    throw new GoTemplateError(`unexpected ${describe(tokens[cursor.pos]!)} in ${source}`);
  return pipeline;
}

interface Cursor {
  tokens: Token[];
  pos: number;
}

function parsePipeline(cursor: Cursor, options: ParseOptions, source: string): Pipeline {
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

function parseOperand(cursor: Cursor, options: ParseOptions, source: string): Operand {
  const token = cursor.tokens[cursor.pos++]!;
  switch (token.kind) {
    case 'dot':
      return { kind: 'dot' };
    case 'field':
      return { kind: 'field', names: token.names };
    case 'variable':
      if (token.name !== '$') throw new GoTemplateError(`undefined variable "${token.name}"`);
      return { kind: 'root', names: token.names };
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
      const pipeline = parsePipeline(cursor, options, source);
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
