import { type FieldPathSegment, formatFieldPath } from '../crossplane/field-path.ts';
import { isRecord } from '../model/kube-object.ts';
import type { SchemaError } from './schema-errors.ts';

/** client-node's generated model classes by name (`V1Deployment`): JSON field name → type (`Array<V1Container>`). */
export type ModelClasses = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * The field lists of `@kubernetes/client-node`'s model classes (generated from the same OpenAPI description
 * as the bundled validators). Those validators do not reject undeclared fields (their schemas leave
 * `additionalProperties` open), so these lists are what tells `spec.replica` from `spec.replicas`.
 * Imported on first use: the models module is large and only plans with something to validate need it.
 */
export async function loadModelClasses(): Promise<ModelClasses> {
  const models: Record<string, unknown> = await import('@kubernetes/client-node/dist/gen/models/all.js');
  const classes = new Map<string, ReadonlyMap<string, string>>();
  for (const [name, model] of Object.entries(models)) {
    const getter = (model as { getAttributeTypeMap?: unknown } | undefined)?.getAttributeTypeMap;
    if (typeof getter !== 'function') continue;
    const attributes: unknown = getter.call(model);
    if (!Array.isArray(attributes)) continue;
    const fields = new Map<string, string>();
    for (const a of attributes as { baseName?: unknown; type?: unknown }[]) {
      if (typeof a.baseName === 'string' && typeof a.type === 'string') fields.set(a.baseName, a.type);
    }
    classes.set(name, fields);
  }
  return classes;
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

/**
 * Fields the model does not declare, walking nested models, arrays and maps of models. Free-form values
 * (`any`, `object`: raw extensions, JSON schemas' defaults) and scalars end the walk.
 */
function walk(
  classes: ModelClasses,
  type: string,
  value: unknown,
  path: FieldPathSegment[],
  out: SchemaError[],
): void {
  const array = ARRAY.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        walk(classes, array[1]!, item, [...path, { type: 'index', index }], out);
      });
    }
    return;
  }
  const map = MAP.exec(type);
  if (map) {
    if (isRecord(value)) {
      for (const [key, item] of Object.entries(value))
        walk(classes, map[1]!, item, [...path, { type: 'field', field: key }], out);
    }
    return;
  }
  const attributes = classes.get(type);
  if (!attributes || !isRecord(value)) return;
  for (const [field, item] of Object.entries(value)) {
    const fieldType = attributes.get(field);
    const at: FieldPathSegment[] = [...path, { type: 'field', field }];
    if (fieldType === undefined) {
      out.push({ path: formatFieldPath(at), message: `unknown field "${field}"` });
      continue;
    }
    walk(classes, fieldType, item, at, out);
  }
}

/**
 * Fields of a built-in object that its kind does not declare: the API server rejects them with
 * `fieldValidation=Strict` (kubectl's default since 1.27) and drops them otherwise, so the value never applies.
 * `status` is not walked: the API server ignores it on apply.
 */
export function unknownFields(
  classes: ModelClasses,
  model: string,
  object: Record<string, unknown>,
): SchemaError[] {
  const out: SchemaError[] = [];
  const { status: _status, ...rest } = object;
  void _status;
  walk(classes, model, rest, [], out);
  return out;
}

/** The first of `names` that is a top-level kind's model (it declares apiVersion, kind and metadata). */
export function topLevelModel(classes: ModelClasses, names: readonly string[]): string | undefined {
  return names.find((name) => {
    const attributes = classes.get(name);
    return (
      attributes !== undefined && ['apiVersion', 'kind', 'metadata'].every((field) => attributes.has(field))
    );
  });
}
