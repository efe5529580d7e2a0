import { GoTemplateError } from './go-template-error.ts';
import { type Item, lexTemplate, type Token } from './lexer.ts';
import { type Pipeline, parsePipelineTokens } from './parse-pipeline.ts';

export type { Command, Operand, Pipeline } from './parse-pipeline.ts';

/** `{{ $x := … }}` / `{{ $i, $v := … }}` declare; `{{ $x = … }}` assigns an existing variable. */
export interface Declaration {
  names: string[];
  declare: boolean;
}

export type Node =
  | { kind: 'text'; value: string }
  | { kind: 'action'; pipeline: Pipeline; decl?: Declaration }
  | { kind: 'if' | 'with'; pipeline: Pipeline; decl?: Declaration; then: Node[]; otherwise: Node[] }
  | { kind: 'range'; pipeline: Pipeline; decl?: Declaration; then: Node[]; otherwise: Node[] }
  | { kind: 'template'; name: string; pipeline: Pipeline | undefined }
  | { kind: 'break' | 'continue' };

/** Names a function may have: checked at parse time, as Go does, so an unsupported one fails even in a branch not taken. */
export interface ParseOptions {
  isFunction: (name: string) => boolean;
}

/** A parsed template: its body and the templates it `define`s (and `block`s). */
export interface ParsedTemplate {
  nodes: Node[];
  defined: Map<string, Node[]>;
}

interface ParseState {
  items: Item[];
  pos: number;
  options: ParseOptions;
  defined: Map<string, Node[]>;
  /** Nesting of `range`: `break`/`continue` are legal only inside one. */
  ranges: number;
  /** Nesting of control structures, bounded so a hostile template cannot exhaust the stack. */
  depth: number;
}

/** Go's parser allows more; real templates nest a handful of levels. */
export const MAX_NESTING = 100;

export function parseTemplate(text: string, options: ParseOptions): ParsedTemplate {
  const state: ParseState = {
    items: lexTemplate(text),
    pos: 0,
    options,
    defined: new Map(),
    ranges: 0,
    depth: 0,
  };
  const nodes = parseList(state, new Set());
  if (state.pos < state.items.length) {
    const item = state.items[state.pos]!;
    throw new GoTemplateError(`unexpected ${item.type === 'action' ? item.source : 'text'}`);
  }
  return { nodes, defined: state.defined };
}

const keywordOf = (tokens: Token[]): string | undefined =>
  tokens[0]?.kind === 'identifier' ? tokens[0].name : undefined;

/** Parses nodes until one of `terminators` (`end`, `else`) is the next action's keyword; leaves it unconsumed. */
function parseList(state: ParseState, terminators: Set<string>): Node[] {
  const nodes: Node[] = [];
  while (state.pos < state.items.length) {
    const item = state.items[state.pos]!;
    if (item.type === 'text') {
      nodes.push({ kind: 'text', value: item.value });
      state.pos++;
      continue;
    }
    if (item.tokens.length === 0) throw new GoTemplateError(`missing value for command in ${item.source}`);
    const keyword = keywordOf(item.tokens);
    if (keyword === 'end' || keyword === 'else') {
      if (!terminators.has(keyword)) throw new GoTemplateError(`unexpected {{${keyword}}}`);
      return nodes;
    }
    state.pos++;
    const rest = item.tokens.slice(1);
    switch (keyword) {
      case 'if':
      case 'with':
      case 'range':
        nodes.push(parseControl(state, keyword, rest, item.source));
        break;
      case 'break':
      case 'continue':
        if (state.ranges === 0) throw new GoTemplateError(`{{${keyword}}} outside {{range}}`);
        if (rest.length > 0) throw new GoTemplateError(`unexpected tokens in ${item.source}`);
        nodes.push({ kind: keyword });
        break;
      case 'define':
        parseDefine(state, rest, item.source);
        break;
      case 'template':
        nodes.push(parseTemplateCall(state, rest, item.source));
        break;
      case 'block': {
        const call = parseTemplateCall(state, rest, item.source);
        if (call.kind === 'template') state.defined.set(call.name, parseBody(state, item.source));
        nodes.push(call);
        break;
      }
      default:
        nodes.push({ kind: 'action', ...parseDeclaredPipeline(state, item.tokens, item.source) });
    }
  }
  return nodes;
}

/** The body of a `define`/`block` up to its `{{end}}`, consumed. */
function parseBody(state: ParseState, source: string): Node[] {
  const outer = state.ranges;
  state.ranges = 0;
  const body = parseList(state, new Set(['end']));
  state.ranges = outer;
  const end = state.items[state.pos];
  if (end?.type !== 'action') throw new GoTemplateError(`unexpected EOF: missing {{end}} for ${source}`);
  if (end.tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${end.source}`);
  state.pos++;
  return body;
}

function templateName(tokens: Token[], source: string): string {
  const first = tokens[0];
  if (first?.kind !== 'string')
    throw new GoTemplateError(`template name must be a string constant in ${source}`);
  return first.value;
}

function parseDefine(state: ParseState, tokens: Token[], source: string): void {
  const name = templateName(tokens, source);
  if (tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${source}`);
  state.defined.set(name, parseBody(state, source));
}

function parseTemplateCall(state: ParseState, tokens: Token[], source: string): Node {
  const name = templateName(tokens, source);
  const rest = tokens.slice(1);
  return {
    kind: 'template',
    name,
    pipeline: rest.length > 0 ? parsePipelineTokens(rest, state.options, source) : undefined,
  };
}

/** `$a, $b := pipeline`, `$a = pipeline` or a plain pipeline. */
function parseDeclaredPipeline(
  state: ParseState,
  tokens: Token[],
  source: string,
): { pipeline: Pipeline; decl?: Declaration } {
  const operator = tokens.findIndex((t) => t.kind === 'declare' || t.kind === 'assign');
  if (operator === -1) return { pipeline: parsePipelineTokens(tokens, state.options, source) };
  const names: string[] = [];
  for (const [i, token] of tokens.slice(0, operator).entries()) {
    const expectVariable = i % 2 === 0;
    if (expectVariable && token.kind === 'variable' && token.names.length === 0) names.push(token.name);
    else if (!expectVariable && token.kind === 'comma') continue;
    else throw new GoTemplateError(`unexpected token before := in ${source}`);
  }
  if (names.length === 0 || names.length > 2) throw new GoTemplateError(`too many declarations in ${source}`);
  const declare = tokens[operator]!.kind === 'declare';
  return {
    pipeline: parsePipelineTokens(tokens.slice(operator + 1), state.options, source),
    decl: { names, declare },
  };
}

function parseControl(
  state: ParseState,
  keyword: 'if' | 'with' | 'range',
  tokens: Token[],
  source: string,
): Node {
  if (++state.depth > MAX_NESTING)
    throw new GoTemplateError(`control structures nested deeper than ${MAX_NESTING}`);
  try {
    return parseControlBody(state, keyword, tokens, source);
  } finally {
    state.depth--;
  }
}

function parseControlBody(
  state: ParseState,
  keyword: 'if' | 'with' | 'range',
  tokens: Token[],
  source: string,
): Node {
  const { pipeline, decl } = parseDeclaredPipeline(state, tokens, source);
  if (decl && keyword !== 'range' && decl.names.length > 1) {
    throw new GoTemplateError(`too many declarations in ${source}`);
  }
  if (keyword === 'range') state.ranges++;
  const then = parseList(state, new Set(['end', 'else']));
  if (keyword === 'range') state.ranges--;
  const closing = state.items[state.pos];
  if (closing?.type !== 'action') throw new GoTemplateError(`unexpected EOF: missing {{end}} for ${source}`);
  state.pos++;
  const shape = { pipeline, ...(decl ? { decl } : {}), then };
  if (keywordOf(closing.tokens) === 'end') {
    if (closing.tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${closing.source}`);
    return { kind: keyword, ...shape, otherwise: [] };
  }
  // `else`, `else if …` or `else with …`: the chained form nests a control node and shares the outer {{end}}.
  const rest = closing.tokens.slice(1);
  const chained = keywordOf(rest);
  if (keyword !== 'range' && (chained === 'if' || chained === 'with')) {
    const nested = parseControl(state, chained, rest.slice(1), closing.source);
    return { kind: keyword, ...shape, otherwise: [nested] };
  }
  if (rest.length > 0) throw new GoTemplateError(`unexpected tokens in ${closing.source}`);
  const otherwise = parseList(state, new Set(['end']));
  const end = state.items[state.pos];
  if (end?.type !== 'action') throw new GoTemplateError(`unexpected EOF: missing {{end}} for ${source}`);
  if (end.tokens.length > 1) throw new GoTemplateError(`unexpected tokens in ${end.source}`);
  state.pos++;
  return { kind: keyword, ...shape, otherwise };
}
