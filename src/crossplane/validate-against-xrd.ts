import { Ajv, type ErrorObject } from 'ajv';
import { isRecord, splitApiVersion } from '../model/kube-object.ts';
import { safeRegExpEngine } from '../schema/safe-ajv-regexp.ts';
import { describeValue, segmentsOf } from '../schema/schema-errors.ts';
import { customResourceSchema } from '../schema/structural-schema.ts';
import { parseCompositeInstance, type Xrd } from './crossplane-model.ts';
import { type FieldPathSegment, formatFieldPath, lineOfNearest } from './field-path.ts';

export interface SchemaViolation {
  /** Crossplane field path of the offending field (`spec.parameters.size`). */
  path: string;
  message: string;
  line?: number;
  file?: string;
}

export interface XrdValidation {
  errors: SchemaViolation[];
  /** The object with schema defaults applied, as the API server would store it (status dropped). */
  defaulted: Record<string, unknown>;
  /** What of the schema could not be checked offline (validation degrades instead of failing). */
  notes?: string[];
}

const REF = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
  'x-kubernetes-preserve-unknown-fields': true,
};
const SELECTOR = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const OPEN_OBJECT = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const POLICY = { type: 'string', enum: ['Automatic', 'Manual'] };
const SECRET_REF = {
  type: 'object',
  properties: { name: { type: 'string' }, namespace: { type: 'string' } },
  required: ['name'],
};

/** Fields Crossplane adds to the spec of every claim and legacy XR. */
const COMMON_FIELDS: Record<string, unknown> = {
  compositionRef: REF,
  compositionSelector: SELECTOR,
  compositionRevisionRef: REF,
  compositionRevisionSelector: SELECTOR,
  compositionUpdatePolicy: POLICY,
  resourceRef: OPEN_OBJECT,
  writeConnectionSecretToRef: SECRET_REF,
  publishConnectionDetailsTo: OPEN_OBJECT,
};

/** Fields Crossplane adds to every claim's spec. */
const CLAIM_FIELDS: Record<string, unknown> = {
  ...COMMON_FIELDS,
  compositeDeletePolicy: { type: 'string', enum: ['Background', 'Foreground'] },
};

/** Fields Crossplane adds to a legacy (v1 / LegacyCluster) XR's spec. */
const LEGACY_XR_FIELDS: Record<string, unknown> = {
  ...COMMON_FIELDS,
  claimRef: OPEN_OBJECT,
  resourceRefs: { type: 'array', items: OPEN_OBJECT },
  environmentConfigRefs: { type: 'array', items: OPEN_OBJECT },
};

/** v2 XRs keep them under `spec.crossplane`. */
const V2_XR_FIELDS: Record<string, unknown> = {
  crossplane: {
    type: 'object',
    properties: {
      compositionRef: REF,
      compositionSelector: SELECTOR,
      compositionRevisionRef: REF,
      compositionRevisionSelector: SELECTOR,
      compositionUpdatePolicy: POLICY,
      resourceRefs: { type: 'array', items: OPEN_OBJECT },
    },
  },
  writeConnectionSecretToRef: SECRET_REF,
};

function withCrossplaneFields(spec: unknown, fields: Record<string, unknown>): unknown {
  const s = isRecord(spec) ? spec : { type: 'object' };
  return { ...s, type: 'object', properties: { ...fields, ...(isRecord(s.properties) ? s.properties : {}) } };
}

function violation(
  error: ErrorObject,
  data: unknown,
): { segments: FieldPathSegment[]; message: string } | undefined {
  const { segments, value } = segmentsOf(error.instancePath, data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      return {
        segments: [...segments, { type: 'field', field }],
        message: `unknown field "${field}": Kubernetes prunes fields the schema does not declare, so its value would be lost`,
      };
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return {
        segments: [...segments, { type: 'field', field }],
        message: `required field "${field}" is missing`,
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return {
        segments,
        message: `unsupported value ${JSON.stringify(value)}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
      };
    }
    case 'type':
      return {
        segments,
        message: `must be ${String((error.params as { type: unknown }).type)}, got ${describeValue(value)}`,
      };
    case 'anyOf':
    case 'oneOf':
    case 'allOf':
      return undefined;
    default:
      return { segments, message: error.message ?? error.keyword };
  }
}

/** The file and line of a field of the manifest: the deepest located ancestor of `path`, else the object's line. */
function locate(
  path: string,
  options: { file?: string; line?: number; lineOf?: (path: string) => number | undefined },
): Pick<SchemaViolation, 'line' | 'file'> {
  const line = (options.lineOf ? lineOfNearest(path, options.lineOf) : undefined) ?? options.line;
  return {
    ...(line !== undefined ? { line } : {}),
    ...(options.file !== undefined ? { file: options.file } : {}),
  };
}

/**
 * Validates a claim or XR against the served version of its XRD's `openAPIV3Schema` the way the
 * API server would (unknown fields, types, required, enums; CEL rules are not evaluated), and
 * applies schema defaults. Crossplane's own fields (compositionRef, writeConnectionSecretToRef, …)
 * are accepted where Crossplane injects them.
 */
export function validateAgainstXrd(
  object: Record<string, unknown>,
  xrd: Xrd,
  options: { file?: string; line?: number; lineOf?: (path: string) => number | undefined } = {},
): XrdValidation {
  const defaulted = structuredClone(object);
  delete defaulted.status;
  const where = (path: string) => locate(path, options);
  const { version: versionName } = splitApiVersion(String(object.apiVersion ?? ''));
  const version = xrd.versions.find((v) => v.name === versionName);
  if (!version?.served) {
    return {
      errors: [
        {
          path: 'apiVersion',
          message: version
            ? `version ${versionName} of ${xrd.name} is not served`
            : `XRD ${xrd.name} does not define version ${versionName} (defines ${xrd.versions.map((v) => v.name).join(', ')})`,
          ...where('apiVersion'),
        },
      ],
      defaulted,
    };
  }
  if (!version.schema) return { errors: [], defaulted };

  const instance = parseCompositeInstance(object, xrd);
  const fields =
    instance.role === 'claim'
      ? CLAIM_FIELDS
      : xrd.crossplaneFieldsAt === 'spec'
        ? LEGACY_XR_FIELDS
        : V2_XR_FIELDS;
  const declared = isRecord(version.schema.properties) ? version.schema.properties : {};
  const { status: _status, ...rest } = declared;
  void _status;
  const skipped: string[] = [];
  const root = customResourceSchema({ ...version.schema, properties: rest }, skipped, {
    spec: withCrossplaneFields(declared.spec, fields),
  });
  const notes = skipped.map((s) => `XRD ${xrd.name} schema: ${s}`);

  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    useDefaults: true,
    validateFormats: false,
    code: { regExp: safeRegExpEngine },
  });
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(root as Record<string, unknown>);
  } catch (error) {
    // A schema the API server would refuse (or ajv cannot read): the claim cannot be checked here,
    // and the XRD itself is what needs fixing; planning continues without validation or defaults.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      errors: [],
      defaulted,
      notes: [
        ...notes,
        `XRD ${xrd.name} schema could not be read, so the claim was not validated: ${reason}`,
      ],
    };
  }
  validate(defaulted);
  const seen = new Set<string>();
  const errors: SchemaViolation[] = [];
  for (const error of validate.errors ?? []) {
    const v = violation(error, defaulted);
    if (!v) continue;
    const path = formatFieldPath(v.segments);
    const key = `${path}\u0000${v.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ path, message: v.message, ...where(path) });
  }
  return { errors, defaulted, ...(notes.length > 0 ? { notes } : {}) };
}
