import { isRecord } from '../../model/kube-object.ts';
import { callGoFunction, truth } from './functions.ts';
import { formatGoValue, goTypeName } from './go-format.ts';
import { GoTemplateError } from './go-template-error.ts';
import type { Command, Node, Operand, Pipeline } from './parser.ts';

export interface EvaluateOptions {
  /** `missingkey=error`: a missing map key fails instead of yielding `<no value>`. */
  missingKeyError: boolean;
  /** Upper bound on the rendered text, so a hostile template cannot grow without limit. */
  maxOutputLength: number;
}

interface State {
  root: unknown;
  options: EvaluateOptions;
  out: string;
}

/**
 * Executes parsed nodes against `data`. `undefined` stands for Go's invalid value (a missing key: prints
 * `<no value>`), `null` for nil.
 */
export function evaluateTemplate(nodes: Node[], data: unknown, options: EvaluateOptions): string {
  const state: State = { root: data, options, out: '' };
  walk(state, nodes, data);
  return state.out;
}

function write(state: State, text: string): void {
  state.out += text;
  if (state.out.length > state.options.maxOutputLength) {
    throw new GoTemplateError(`rendered output exceeds ${state.options.maxOutputLength} characters`);
  }
}

function walk(state: State, nodes: Node[], dot: unknown): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        write(state, node.value);
        break;
      case 'action': {
        const value = evalPipeline(state, node.pipeline, dot);
        write(state, value === undefined || value === null ? '<no value>' : formatGoValue(value));
        break;
      }
      case 'if':
      case 'with': {
        const value = evalPipeline(state, node.pipeline, dot);
        if (truth(value)) walk(state, node.then, node.kind === 'with' ? value : dot);
        else walk(state, node.otherwise, dot);
        break;
      }
    }
  }
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
    return callGoFunction(first.name, args);
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
    case 'root':
      return evalFieldChain(state, state.root, operand.names);
    case 'pipeline':
      return evalFieldChain(state, evalPipeline(state, operand.pipeline, dot), operand.names);
    case 'function':
      // A bare function name as an argument is a call without arguments in Go.
      return callGoFunction(operand.name, []);
  }
}

function evalFieldChain(state: State, receiver: unknown, names: string[]): unknown {
  let value = receiver;
  for (const name of names) value = evalField(state, value, name);
  return value;
}

function evalField(state: State, receiver: unknown, name: string): unknown {
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
