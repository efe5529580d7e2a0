import { isRecord } from '../../model/kube-object.ts';
import type { FunctionTable } from './function-table.ts';
import { truth } from './functions.ts';
import { formatGoValue, goTypeName } from './go-format.ts';
import { GoTemplateError } from './go-template-error.ts';
import type { Command, Declaration, Node, Operand, ParsedTemplate, Pipeline } from './parser.ts';
import { type Budget, chargeDeep, MAX_STRING } from './template-budget.ts';
import { isUnknown } from './unknown-value.ts';

export interface EvaluateOptions {
  /** `missingkey=error`: a missing map key fails instead of yielding `<no value>`. */
  missingKeyError: boolean;
  /** Upper bound on the rendered text, so a hostile template cannot grow without limit. */
  maxOutputLength: number;
  /** Upper bound on executed actions and loop iterations, so a template cannot spin without output. */
  maxSteps: number;
  functions: FunctionTable;
  onUnknownDecision?: (what: string) => void;
}

/** Go's limit on nested template calls (text/template's maxExecDepth is 100,000; far lower is plenty here). */
const MAX_TEMPLATE_DEPTH = 100;

interface State {
  template: ParsedTemplate;
  options: EvaluateOptions;
  out: string;
  steps: number;
  /** Characters of every string functions returned: bounds what a template can allocate, printed or not. */
  allocated: number;
  budget: Budget;
  depth: number;
  /** Variables in scope, innermost last; `$` is the data the template (or `define`) was executed with. */
  vars: { name: string; value: unknown }[];
}

class LoopControl {
  readonly kind: 'break' | 'continue';
  constructor(kind: 'break' | 'continue') {
    this.kind = kind;
  }
}

/**
 * Executes a parsed template against `data`. `undefined` stands for Go's invalid value (a missing key: prints
 * `<no value>`), `null` for nil.
 */
export function evaluateTemplate(template: ParsedTemplate, data: unknown, options: EvaluateOptions): string {
  const state: State = {
    template,
    options,
    out: '',
    steps: 0,
    allocated: 0,
    budget: { charge: () => {} },
    depth: 0,
    vars: [{ name: '$', value: data }],
  };
  state.budget = { charge: (units) => step(state, units) };
  walk(state, template.nodes, data);
  return state.out;
}

/** `include NAME DATA`: a defined template rendered to a string (Helm's and function-go-templating's helper). */
function includeTemplate(state: State, name: unknown, data: unknown): string {
  if (typeof name !== 'string')
    throw new GoTemplateError('error calling include: template name must be a string');
  const outer = state.out;
  state.out = '';
  try {
    callTemplate(state, name, data);
    return state.out;
  } finally {
    state.out = outer;
  }
}

function step(state: State, units = 1): void {
  state.steps += units;
  if (state.steps > state.options.maxSteps) {
    throw new GoTemplateError(`template runs more than ${state.options.maxSteps} steps`);
  }
}

function write(state: State, text: string): void {
  state.out += text;
  if (state.out.length > state.options.maxOutputLength) {
    throw new GoTemplateError(`rendered output exceeds ${state.options.maxOutputLength} characters`);
  }
}

function callTemplate(state: State, name: string, data: unknown): void {
  const body = state.template.defined.get(name);
  if (!body) throw new GoTemplateError(`no such template "${name}"`);
  if (state.depth >= MAX_TEMPLATE_DEPTH)
    throw new GoTemplateError(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
  const vars = state.vars;
  state.vars = [{ name: '$', value: data }];
  state.depth++;
  try {
    walk(state, body, data);
  } finally {
    state.depth--;
    state.vars = vars;
  }
}

function bind(state: State, decl: Declaration | undefined, values: unknown[]): void {
  if (!decl) return;
  decl.names.forEach((name, i) => {
    const value = values[i];
    if (decl.declare) {
      state.vars.push({ name, value });
      return;
    }
    const binding = state.vars.findLast((v) => v.name === name);
    if (!binding) throw new GoTemplateError(`undefined variable "${name}"`);
    binding.value = value;
  });
}

/** Runs `nodes` in a scope of their own: variables declared inside end with it. */
function scoped(state: State, run: () => void): void {
  const mark = state.vars.length;
  try {
    run();
  } finally {
    state.vars.length = mark;
  }
}

function walk(state: State, nodes: Node[], dot: unknown): void {
  for (const node of nodes) {
    step(state);
    switch (node.kind) {
      case 'text':
        write(state, node.value);
        break;
      case 'action': {
        const value = evalPipeline(state, node.pipeline, dot);
        if (node.decl) bind(state, node.decl, [value]);
        else if (value === undefined || value === null) write(state, '<no value>');
        else {
          if (typeof value !== 'string') chargeDeep(value, state.budget, 'printing');
          write(state, formatGoValue(value));
        }
        break;
      }
      case 'if':
      case 'with':
        scoped(state, () => {
          const value = evalPipeline(state, node.pipeline, dot);
          if (isUnknown(value)) state.options.onUnknownDecision?.(value.what);
          bind(state, node.decl, [value]);
          if (truth(value)) walk(state, node.then, node.kind === 'with' ? value : dot);
          else walk(state, node.otherwise, dot);
        });
        break;
      case 'range':
        scoped(state, () => walkRange(state, node, dot));
        break;
      case 'template':
        callTemplate(state, node.name, node.pipeline ? evalPipeline(state, node.pipeline, dot) : null);
        break;
      case 'break':
      case 'continue':
        throw new LoopControl(node.kind);
    }
  }
}

/**
 * The key/value pairs `range` visits: list items, map entries by sorted key, or 0..n-1 for an integer — produced one
 * at a time, so `range 1000000000` costs its iterations (each charged), not an array of that size up front.
 */
function* rangeEntries(value: unknown): Generator<[unknown, unknown]> {
  // Observed state is empty on the first render.
  if (value === null || value === undefined || isUnknown(value)) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield [i, v];
  } else if (isRecord(value)) {
    for (const k of Object.keys(value).sort()) yield [k, value[k]];
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    for (let i = 0; i < value; i++) yield [i, i];
  } else {
    throw new GoTemplateError(`range can't iterate over ${goTypeName(value)}`);
  }
}

function walkRange(state: State, node: Extract<Node, { kind: 'range' }>, dot: unknown): void {
  const value = evalPipeline(state, node.pipeline, dot);
  if (isUnknown(value)) state.options.onUnknownDecision?.(value.what);
  const mark = state.vars.length;
  let empty = true;
  for (const [key, item] of rangeEntries(value)) {
    empty = false;
    step(state);
    state.vars.length = mark;
    if (node.decl) {
      const names = node.decl.names;
      bind(state, { ...node.decl, declare: true }, names.length === 2 ? [key, item] : [item]);
    }
    try {
      walk(state, node.then, item);
    } catch (error) {
      if (!(error instanceof LoopControl)) throw error;
      if (error.kind === 'break') break;
    }
  }
  if (empty) walk(state, node.otherwise, dot);
}

/**
 * Charges a function's result by its shallow size: building a list element by element (`append` in a loop) costs
 * what it copies, and strings count against the characters a run may allocate.
 */
function charged(state: State, result: unknown): unknown {
  if (typeof result === 'string') {
    state.allocated += result.length;
    if (state.allocated > 4 * MAX_STRING) {
      throw new GoTemplateError(`template builds more than ${4 * MAX_STRING} characters of strings`);
    }
    step(state, 1 + (result.length >> 10));
  } else if (Array.isArray(result)) step(state, 1 + result.length);
  else if (isRecord(result) && !isUnknown(result)) step(state, 1 + Object.keys(result).length);
  return result;
}

function evalPipeline(state: State, pipeline: Pipeline, dot: unknown): unknown {
  let value: unknown;
  pipeline.commands.forEach((command, i) => {
    value = evalCommand(state, command, dot, i > 0, value);
  });
  return value;
}

function evalCommand(
  state: State,
  command: Command,
  dot: unknown,
  hasFinal: boolean,
  final: unknown,
): unknown {
  const [first, ...rest] = command.args;
  if (first?.kind === 'function') {
    if (first.name === 'and' || first.name === 'or')
      return evalAndOr(state, first.name, rest, dot, hasFinal, final);
    const args = rest.map((arg) => evalOperand(state, arg, dot));
    if (hasFinal) args.push(final);
    if (first.name === 'include' && state.options.functions.has('include')) {
      if (args.length !== 2)
        throw new GoTemplateError(`wrong number of args for include: want 2 got ${args.length}`);
      return charged(state, includeTemplate(state, args[0], args[1]));
    }
    return charged(state, state.options.functions.call(first.name, args, state.budget));
  }
  if (rest.length > 0 || hasFinal) throw new GoTemplateError("can't give argument to non-function");
  if (first?.kind === 'literal' && first.value === null) throw new GoTemplateError('nil is not a command');
  return evalOperand(state, first!, dot);
}

/** `and`/`or` stop at the first argument that decides the result, as Go (1.18+) does. */
function evalAndOr(
  state: State,
  name: 'and' | 'or',
  operands: Operand[],
  dot: unknown,
  hasFinal: boolean,
  final: unknown,
): unknown {
  const thunks: (() => unknown)[] = operands.map((operand) => () => evalOperand(state, operand, dot));
  if (hasFinal) thunks.push(() => final);
  if (thunks.length === 0)
    throw new GoTemplateError(`wrong number of args for ${name}: want at least 1 got 0`);
  let value: unknown;
  for (const thunk of thunks) {
    value = thunk();
    if (truth(value) === (name === 'or')) return value;
  }
  return value;
}

function evalOperand(state: State, operand: Operand, dot: unknown): unknown {
  switch (operand.kind) {
    case 'dot':
      return dot;
    case 'literal':
      return operand.value;
    case 'field':
      return evalFieldChain(state, dot, operand.names);
    case 'variable': {
      const binding = state.vars.findLast((v) => v.name === operand.name);
      if (!binding) throw new GoTemplateError(`undefined variable "${operand.name}"`);
      return evalFieldChain(state, binding.value, operand.names);
    }
    case 'pipeline':
      return evalFieldChain(state, evalPipeline(state, operand.pipeline, dot), operand.names);
    case 'function':
      // A bare function name as an argument is a call without arguments in Go.
      return charged(state, state.options.functions.call(operand.name, [], state.budget));
  }
}

function evalFieldChain(state: State, receiver: unknown, names: string[]): unknown {
  let value = receiver;
  for (const name of names) value = evalField(state, value, name);
  return value;
}

function evalField(state: State, receiver: unknown, name: string): unknown {
  if (isUnknown(receiver)) return receiver.field(name);
  if (receiver === undefined) {
    if (state.options.missingKeyError) throw new GoTemplateError(`nil data; no entry for key "${name}"`);
    return undefined;
  }
  if (receiver === null) throw new GoTemplateError(`nil pointer evaluating interface {}.${name}`);
  if (isRecord(receiver)) {
    if (Object.hasOwn(receiver, name)) return receiver[name];
    if (state.options.missingKeyError) throw new GoTemplateError(`map has no entry for key "${name}"`);
    return undefined;
  }
  throw new GoTemplateError(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
}
