import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { lineOfNearest } from '../crossplane/field-path.ts';
import type { CrossplaneObject } from '../crossplane/plan-claims.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import { isRecord, type KubeObject } from '../model/kube-object.ts';
import { objectSource } from '../model/object-source.ts';
import { parseManifests } from '../model/parse-manifests.ts';
import type { AppReport } from '../model/plan-report.ts';
import type { RevisionTree } from '../model/revision-tree.ts';
import { collectCustomDefinitions } from '../schema/custom-definitions.ts';
import type { SchemaError } from '../schema/schema-errors.ts';
import {
  createSchemaValidator,
  type SchemaCatalog,
  type SchemaValidator,
} from '../schema/schema-validator.ts';

/** Errors listed per object in a finding; the rest are counted. */
export const MAX_ERRORS_PER_OBJECT = 5;

/** The schema validator of one revision: its CRDs and XRDs from the repository scan, then from rendered output. */
export function revisionValidator(
  catalog: SchemaCatalog,
  scanned: readonly CrossplaneObject[],
  rendered: readonly CrossplaneObject[],
): SchemaValidator {
  const objects = [...scanned, ...rendered].map((o) => o.object);
  return createSchemaValidator({ catalog, definitions: collectCustomDefinitions(objects) });
}

/** `Kind namespace/name`, as findings and notes name an object. */
export function objectLabel(object: Record<string, unknown>, defaultNamespace = ''): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : defaultNamespace;
  return `${String(object.kind)} ${namespace ? `${namespace}/` : ''}${String(metadata.name)}`;
}

/** `path: message; …`, at most MAX_ERRORS_PER_OBJECT of them. */
export function describeErrors(errors: readonly SchemaError[]): string {
  const shown = errors.slice(0, MAX_ERRORS_PER_OBJECT).map((e) => `${e.path}: ${e.message}`);
  const more = errors.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** The Kubernetes version of the cluster an app deploys to: its `clusters` entry's, else `validation.kubeVersion`. */
function kubeVersionOf(app: AppReport, config: MergeplaneConfig): string {
  const { server, name } = app.destination;
  const cluster = config.clusters.find(
    (c) => (server !== undefined && c.server === server) || (name !== undefined && c.name === name),
  );
  return cluster?.kubeVersion ?? config.validation.kubeVersion;
}

/** The line of the first error's field (its deepest ancestor that is in the file), else the document's first line. */
async function lineOf(tree: RevisionTree, file: string, start: number | undefined, path: string | undefined) {
  if (start === undefined || path === undefined) return start;
  const text = await tree.text(file);
  if (text === undefined) return start;
  let doc: ReturnType<typeof parseManifests>[number] | undefined;
  try {
    doc = parseManifests(text).find((d) => d.line === start);
  } catch {
    return start;
  }
  return (doc?.lineOf ? lineOfNearest(path, doc.lineOf) : undefined) ?? start;
}

const identity = (o: KubeObject) =>
  `${o.apiVersion}\u0000${o.kind}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;

/** Errors of the base render, by object and error: they were there before the change, so they do not gate it. */
async function baseErrors(
  objects: readonly KubeObject[],
  validator: SchemaValidator,
  kubeVersion: string,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const object of objects) {
    const result = await validator.validate(object, kubeVersion);
    if (result.status !== 'invalid') continue;
    for (const e of result.errors) seen.add(`${identity(object)}\u0000${e.path}\u0000${e.message}`);
  }
  return seen;
}

/**
 * The `manifests` gate's schema check of the apps a change affects: every object Argo CD would apply of the
 * head render is validated, one finding per invalid object (errors its base render already had are left out:
 * not the change's fault). Kinds without a schema are listed on the app as not validated, never a failure.
 */
export async function validateAppSchemas(o: {
  apps: readonly AppReport[];
  headObjects: ReadonlyMap<string, readonly KubeObject[]>;
  baseObjects: ReadonlyMap<string, readonly KubeObject[]>;
  validators: { base: SchemaValidator; head: SchemaValidator };
  config: MergeplaneConfig;
  headTree: RevisionTree;
}): Promise<{ apps: AppReport[]; findings: GateFinding[] }> {
  const findings: GateFinding[] = [];
  const apps: AppReport[] = [];
  for (const app of o.apps) {
    const key = `${app.namespace}/${app.name}`;
    const objects = o.headObjects.get(key);
    if (!objects || app.status === 'unchanged' || app.status === 'removed' || app.status === 'error') {
      apps.push(app);
      continue;
    }
    const kubeVersion = kubeVersionOf(app, o.config);
    const before = await baseErrors(o.baseObjects.get(key) ?? [], o.validators.base, kubeVersion);
    const notValidated = new Set<string>();
    for (const object of objects) {
      const result = await o.validators.head.validate(object, kubeVersion);
      if (result.status === 'not-validated') notValidated.add(`${object.kind} (${object.apiVersion})`);
      if (result.status !== 'invalid') continue;
      const errors = result.errors.filter(
        (e) => !before.has(`${identity(object)}\u0000${e.path}\u0000${e.message}`),
      );
      if (errors.length === 0) continue;
      const source = objectSource(object);
      const origin = app.origin.includes(':') ? undefined : app.origin;
      const file = source?.file ?? origin;
      const line = source ? await lineOf(o.headTree, source.file, source.line, errors[0]?.path) : undefined;
      findings.push({
        id: 'manifests',
        message: `${app.name}: ${objectLabel(object, app.destination.namespace)}: ${describeErrors(errors)}`,
        app: app.name,
        ...(file !== undefined ? { file } : {}),
        ...(line !== undefined ? { line } : {}),
      });
    }
    apps.push(notValidated.size > 0 ? { ...app, notValidated: [...notValidated].sort() } : app);
  }
  return { apps, findings };
}

/** The part of a claims plan the composed-resource check reads. */
interface ComposedPlan {
  claims: readonly { kind: string; namespace: string; name: string; action: string }[];
  predicted: readonly {
    label: string;
    file?: string;
    line?: number;
    objects: readonly Record<string, unknown>[];
  }[];
}

/**
 * The `manifests` gate's check of the composed resources predicted for the claims and XRs a change creates or
 * updates: provider CRDs of the repository and built-in schemas, values known only after apply accepted. One
 * finding per invalid composed resource, at the claim's file and line; kinds without a schema become claim notes.
 */
export async function validateComposedSchemas(o: {
  plan: ComposedPlan;
  validator: SchemaValidator;
  kubeVersion: string;
}): Promise<{ findings: GateFinding[]; notValidated: Map<string, string[]> }> {
  const changed = new Set(
    o.plan.claims
      .filter((c) => c.action === 'create' || c.action === 'update')
      .map((c) => `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`),
  );
  const findings: GateFinding[] = [];
  const notValidated = new Map<string, string[]>();
  for (const predicted of o.plan.predicted) {
    if (!changed.has(predicted.label)) continue;
    const kinds = new Set<string>();
    for (const object of predicted.objects) {
      const result = await o.validator.validate(object, o.kubeVersion);
      if (result.status === 'not-validated')
        kinds.add(`${String(object.kind)} (${String(object.apiVersion)})`);
      if (result.status !== 'invalid') continue;
      findings.push({
        id: 'manifests',
        message: `${predicted.label}: composed ${objectLabel(object)}: ${describeErrors(result.errors)}`,
        ...(predicted.file !== undefined ? { file: predicted.file } : {}),
        ...(predicted.line !== undefined ? { line: predicted.line } : {}),
      });
    }
    if (kinds.size > 0) notValidated.set(predicted.label, [...kinds].sort());
  }
  return { findings, notValidated };
}
