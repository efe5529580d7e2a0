import { Ajv } from 'ajv';
import { isRecord, splitApiVersion } from '../model/kube-object.ts';
import { builtinKind } from './builtin-kinds.ts';
import type { CrdVersion, CustomDefinitions } from './custom-definitions.ts';
import { loadModelClasses, type ModelClasses, topLevelModel, unknownFields } from './known-fields.ts';
import { removedApiMessage } from './removed-apis.ts';
import { safeRegExpEngine } from './safe-ajv-regexp.ts';
import { type SchemaError, schemaErrors, type ValidatorError } from './schema-errors.ts';
import { customResourceSchema } from './structural-schema.ts';

/**
 * What schema validation says of one object: `skipped` for a kind another gate validates (a Crossplane XRD's XR
 * or claim), `not-validated` when no schema is known (`reason` says why).
 */
export type SchemaResult =
  | { status: 'valid'; notes?: string[] }
  | { status: 'invalid'; errors: SchemaError[]; notes?: string[] }
  | { status: 'not-validated'; reason: string }
  | { status: 'skipped' };

/** A compiled validator: ajv's, or one of kubernetes-models' precompiled standalone ones (same calling shape). */
type Validate = ((data: unknown) => boolean) & { errors?: readonly ValidatorError[] | null };

type CompiledCrd = { validate: Validate; notes: string[] } | { error: string };

const SCHEMA_NAME = /^[A-Za-z0-9]+$/;

/** kubernetes-models' precompiled validator of a definition, or undefined when the package has none of that name. */
async function importBuiltin(schemaName: string): Promise<Validate | undefined> {
  // The name comes from the pull request: only letters and digits ever reach the module specifier.
  if (!SCHEMA_NAME.test(schemaName)) return undefined;
  try {
    const module = (await import(`kubernetes-models/_schemas/${schemaName}`)) as { validate?: unknown };
    return typeof module.validate === 'function' ? (module.validate as Validate) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The schemas of one plan, compiled once: kubernetes-models validators by definition, client-node field lists,
 * and CRD version schemas by content (a CRD unchanged between the revisions compiles once for both).
 */
export class SchemaCatalog {
  private readonly builtins = new Map<string, Promise<Validate | undefined>>();
  private models: Promise<ModelClasses> | undefined;
  private readonly ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    code: { regExp: safeRegExpEngine },
  });
  private readonly crdByObject = new WeakMap<object, CompiledCrd>();
  private readonly crdByContent = new Map<string, CompiledCrd>();

  builtin(schemaName: string): Promise<Validate | undefined> {
    let found = this.builtins.get(schemaName);
    if (!found) {
      found = importBuiltin(schemaName);
      this.builtins.set(schemaName, found);
    }
    return found;
  }

  modelClasses(): Promise<ModelClasses> {
    this.models ??= loadModelClasses();
    return this.models;
  }

  /** Starts loading the field lists now; a failure surfaces where they are used, never as an unhandled rejection. */
  preload(): void {
    this.modelClasses().catch(() => {});
  }

  crd(schema: Record<string, unknown>): CompiledCrd {
    const known = this.crdByObject.get(schema);
    if (known) return known;
    const content = JSON.stringify(schema);
    let compiled = this.crdByContent.get(content);
    if (!compiled) {
      const skipped: string[] = [];
      try {
        const validate = this.ajv.compile(customResourceSchema(schema, skipped) as Record<string, unknown>);
        compiled = { validate: validate as Validate, notes: skipped };
      } catch (error) {
        compiled = { error: error instanceof Error ? error.message : String(error) };
      }
      this.crdByContent.set(content, compiled);
    }
    this.crdByObject.set(schema, compiled);
    return compiled;
  }
}

export interface SchemaValidator {
  /** Validates one object as a cluster of `kubeVersion` would take it (`1.N`). */
  validate(object: Record<string, unknown>, kubeVersion: string): Promise<SchemaResult>;
}

function versionError(crd: string, version: string, versions: readonly CrdVersion[]): SchemaResult {
  const served = versions.filter((v) => v.served).map((v) => v.name);
  return {
    status: 'invalid',
    errors: [
      {
        path: 'apiVersion',
        message: `CustomResourceDefinition ${crd} does not serve version ${version} (serves ${served.join(', ') || 'none'})`,
      },
    ],
  };
}

async function validateBuiltin(
  catalog: SchemaCatalog,
  object: Record<string, unknown>,
  kind: NonNullable<ReturnType<typeof builtinKind>>,
): Promise<SchemaResult> {
  const validate = await catalog.builtin(kind.schemaName);
  if (!validate) return { status: 'not-validated', reason: 'not a kind of the bundled Kubernetes schemas' };
  // A Secret's values must not reach the comment through an error message.
  const hideValues = kind.group === '' && kind.kind === 'Secret';
  const errors = validate(object) ? [] : schemaErrors(validate.errors ?? [], object, hideValues);
  const classes = await catalog.modelClasses();
  const model = topLevelModel(classes, kind.modelNames);
  if (model) {
    const seen = new Set(errors.map((e) => e.path));
    for (const unknown of unknownFields(classes, model, object))
      if (!seen.has(unknown.path)) errors.push(unknown);
  }
  return errors.length > 0 ? { status: 'invalid', errors } : { status: 'valid' };
}

/**
 * A validator of one revision's objects: built-in kinds against the bundled Kubernetes schemas, custom resources
 * against the revision's CRDs, apiVersions a cluster's Kubernetes version no longer serves refused.
 */
export function createSchemaValidator(o: {
  catalog: SchemaCatalog;
  definitions: CustomDefinitions;
}): SchemaValidator {
  const { catalog, definitions } = o;
  return {
    async validate(object, kubeVersion) {
      const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
      const kindName = typeof object.kind === 'string' ? object.kind : '';
      const removed = removedApiMessage(apiVersion, kindName, kubeVersion);
      if (removed !== undefined)
        return { status: 'invalid', errors: [{ path: 'apiVersion', message: removed }] };
      const builtin = builtinKind(apiVersion, kindName);
      if (builtin) return validateBuiltin(catalog, object, builtin);
      const { group, version } = splitApiVersion(apiVersion);
      if (definitions.xrdKinds.has(`${group}/${kindName}`)) return { status: 'skipped' };
      const crd = definitions.crds.get(`${group}/${kindName}`);
      if (!crd)
        return {
          status: 'not-validated',
          reason: 'no CustomResourceDefinition in the repository or the plan',
        };
      const served = crd.versions.find((v) => v.name === version && v.served);
      if (!served) return versionError(crd.name, version, crd.versions);
      if (!served.schema || !isRecord(served.schema)) {
        return { status: 'not-validated', reason: `CustomResourceDefinition ${crd.name} has no schema` };
      }
      const compiled = catalog.crd(served.schema);
      if ('error' in compiled) {
        return {
          status: 'not-validated',
          reason: `CustomResourceDefinition ${crd.name} schema: ${compiled.error}`,
        };
      }
      const notes = compiled.notes.map((n) => `CustomResourceDefinition ${crd.name}: ${n}`);
      const withNotes = notes.length > 0 ? { notes } : {};
      if (compiled.validate(object)) return { status: 'valid', ...withNotes };
      const errors = schemaErrors(compiled.validate.errors ?? [], object);
      return errors.length > 0
        ? { status: 'invalid', errors, ...withNotes }
        : { status: 'valid', ...withNotes };
    },
  };
}
