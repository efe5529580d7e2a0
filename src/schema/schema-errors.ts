import { type FieldPathSegment, formatFieldPath } from '../crossplane/field-path.ts';
import { KNOWN_AFTER_APPLY } from '../crossplane/known-after-apply.ts';
import { isRecord } from '../model/kube-object.ts';

/** One reason an object does not match its schema, at a field path (`spec.template.spec.containers[0].image`). */
export interface SchemaError {
  path: string;
  message: string;
}

/** The part of an ajv error object both ajv and kubernetes-models' standalone validators produce. */
export interface ValidatorError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** An ajv instance path (JSON Pointer) as Crossplane field path segments, and the value it points at. */
export function segmentsOf(pointer: string, data: unknown): { segments: FieldPathSegment[]; value: unknown } {
  const segments: FieldPathSegment[] = [];
  let value: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value) && /^\d+$/.test(token)) {
      segments.push({ type: 'index', index: Number(token) });
      value = value[Number(token)];
    } else {
      segments.push({ type: 'field', field: token });
      value = isRecord(value) ? value[token] : undefined;
    }
  }
  return { segments, value };
}

/** A value as an error message names it (`integer 3`, `string "x"`); only its type with `hideValues`. */
export function describeValue(value: unknown, hideValues = false): string {
  if (value === null) return 'null';
  if (hideValues) return Array.isArray(value) ? 'array' : typeof value;
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return typeof value;
}

/** A path segment plus message for one error, or undefined for an error that only summarises others. */
function messageOf(
  error: ValidatorError,
  value: unknown,
  hideValues: boolean,
): { field?: string; message: string } | undefined {
  const params = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { field, message: `unknown field "${field}"` };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { field, message: `required field "${field}" is missing` };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        message: `unsupported value ${hideValues ? '' : `${JSON.stringify(value)}: `}must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
      };
    }
    case 'type':
      return { message: `must be ${String(params.type)}, got ${describeValue(value, hideValues)}` };
    case 'format':
      return { message: `${describeValue(value, hideValues)} is not a valid ${String(params.format)}` };
    // The branches' own errors say what is wrong; the junction only repeats that none matched.
    case 'oneOf':
    case 'anyOf':
    case 'allOf':
    case 'if':
      return undefined;
    default:
      return { message: error.message ?? `fails "${error.keyword}"` };
  }
}

/**
 * Errors of a validator as field paths and messages. Errors on a null value are dropped (the API server treats
 * an explicit null as an absent field, and kubectl and Helm emit `creationTimestamp: null`), as are errors on a
 * value only known after apply. The alternatives of an int-or-string or a quantity become one message.
 * `hideValues` (a Secret's fields) keeps the offending values out of the messages, which reach the PR comment.
 */
export function schemaErrors(
  errors: readonly ValidatorError[],
  data: unknown,
  hideValues = false,
): SchemaError[] {
  const byPath = new Map<string, string[]>();
  const types = new Map<string, { types: string[]; value: unknown }>();
  for (const error of errors) {
    const { segments, value } = segmentsOf(error.instancePath, data);
    if (value === null || value === KNOWN_AFTER_APPLY) continue;
    const described = messageOf(error, value, hideValues);
    if (!described) continue;
    const path = formatFieldPath(
      described.field !== undefined ? [...segments, { type: 'field', field: described.field }] : segments,
    );
    if (error.keyword === 'type') {
      const entry = types.get(path) ?? { types: [], value };
      entry.types.push(String(error.params.type));
      types.set(path, entry);
      if (!byPath.has(path)) byPath.set(path, []);
      continue;
    }
    const messages = byPath.get(path) ?? [];
    if (!messages.includes(described.message)) messages.push(described.message);
    byPath.set(path, messages);
  }
  const out: SchemaError[] = [];
  for (const [path, messages] of byPath) {
    const typed = types.get(path);
    // A value of the right type that fails its format is reported by the format; a wrong type by its types.
    if (typed && messages.length === 0) {
      const expected = [...new Set(typed.types)].join(' or ');
      out.push({
        path: path || '(object)',
        message: `must be ${expected}, got ${describeValue(typed.value, hideValues)}`,
      });
    }
    for (const message of messages) out.push({ path: path || '(object)', message });
  }
  return out;
}
