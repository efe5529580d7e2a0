import { isRecord } from '../model/kube-object.ts';
import { isSafePattern } from './safe-ajv-regexp.ts';

/**
 * A CustomResourceDefinition's structural `openAPIV3Schema` as a JSON Schema ajv reads the way the API server
 * applies it: `nullable`, `x-kubernetes-int-or-string` (an integer or a string), `x-kubernetes-embedded-resource`
 * (apiVersion, kind, metadata allowed), and pruning — an object rejects fields it does not declare unless it has
 * `x-kubernetes-preserve-unknown-fields` (the API server drops them, or refuses them with fieldValidation=Strict).
 * Go regular expressions JavaScript cannot read are left out and named in `skipped`; CEL rules are not evaluated.
 */
export function structuralToJsonSchema(schema: unknown, skipped: string[], inJunctor = false): unknown {
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    // Structural schemas may not use uniqueItems (the API server refuses such a CRD), and ajv checks it pairwise.
    if (k.startsWith('x-kubernetes-') || k === 'nullable' || k === 'uniqueItems') continue;
    if (k === 'properties' && isRecord(v)) {
      out.properties = Object.fromEntries(
        Object.entries(v).map(([p, s]) => [p, structuralToJsonSchema(s, skipped)]),
      );
    } else if (k === 'items' || k === 'not') {
      out[k] = structuralToJsonSchema(v, skipped, k === 'not');
    } else if (k === 'additionalProperties' && isRecord(v)) {
      out[k] = structuralToJsonSchema(v, skipped);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      // Junctions of a structural schema only restrict values; pruning follows the outer schema's properties.
      out[k] = v.map((s) => structuralToJsonSchema(s, skipped, true));
    } else if (k === 'pattern' && !isSafePattern(v)) {
      skipped.push(`pattern ${JSON.stringify(v)} is not checked (not in the RE2 subset checked safely)`);
    } else {
      out[k] = v;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf) out.type = ['integer', 'string'];
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  if (schema['x-kubernetes-embedded-resource'] === true) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(isRecord(out.properties) ? out.properties : {}),
    };
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'));
  if (
    isObject &&
    !inJunctor &&
    out.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The JSON Schema of a whole custom resource: its version's schema with the fields every object has
 * (apiVersion, kind, metadata — which the API server validates itself, not through the CRD). `overrides` replace
 * declared properties (an XRD's `spec` with the fields Crossplane adds).
 */
export function customResourceSchema(
  openAPIV3Schema: Record<string, unknown>,
  skipped: string[],
  overrides: Record<string, unknown> = {},
): unknown {
  const declared = isRecord(openAPIV3Schema.properties) ? openAPIV3Schema.properties : {};
  return structuralToJsonSchema(
    {
      ...openAPIV3Schema,
      type: 'object',
      properties: {
        ...declared,
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        ...overrides,
      },
    },
    skipped,
  );
}
