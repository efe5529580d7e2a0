// Regenerates test/support/github-openapi.json, the compact GitHub REST contract used by the request oracle
// (test/support/github-openapi.ts). The full @octokit/openapi package is ~385 MB unpacked, so instead of a
// devDependency we keep only the operations the app calls.
//
//   node scripts/derive-github-openapi-fixture.ts                      # npm pack @octokit/openapi (latest)
//   node scripts/derive-github-openapi-fixture.ts --package @octokit/openapi@23.0.2
//   node scripts/derive-github-openapi-fixture.ts --from path/to/generated/api.github.com.json
//
// Add an operation to OPERATIONS when the app starts calling a new endpoint, then rerun.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const OPERATIONS = [
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
  'issues/delete-comment',
  'reactions/create-for-issue-comment',
  'checks/create',
  'checks/update',
  'checks/list-for-ref',
  'repos/create-commit-status',
  'repos/get-collaborator-permission-level',
  'teams/get-membership-for-user-in-org',
  'pulls/get',
  'pulls/list-files',
  'apps/create-installation-access-token',
  'repos/get-content',
  'repos/get-combined-status-for-ref',
  'apps/get-authenticated',
  'repos/list-pull-requests-associated-with-commit',
  'git/list-matching-refs',
  'issues/list-for-repo',
  'issues/create',
  'issues/update',
  'apps/create-from-manifest',
] as const;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SPEC_FILE = 'generated/api.github.com.json';
// Deep enough for checks output → annotations[] → annotation fields; deeper levels are not checked.
const MAX_DEPTH = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

interface FixtureSchema {
  type?: JsonType | JsonType[];
  nullable?: true;
  enum?: Json[];
  required?: string[];
  properties?: Record<string, FixtureSchema>;
  additionalProperties?: true;
  items?: FixtureSchema;
}

interface FixturePathParam {
  name: string;
  type?: JsonType;
  multiSegment?: true;
}

interface FixtureOperation {
  operationId: string;
  method: string;
  path: string;
  pathParams: FixturePathParam[];
  bodyRequired: boolean;
  requiredBody: string[];
  bodyProperties: Record<string, FixtureSchema>;
  additionalBodyProperties?: true;
  successStatus: number[];
}

class FixtureDerivationError extends Error {
  override readonly name = 'FixtureDerivationError';
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function createResolver(spec: JsonObject): (node: Json | undefined) => JsonObject | undefined {
  const resolve = (node: Json | undefined, seen: Set<string> = new Set()): JsonObject | undefined => {
    if (!isObject(node)) return undefined;
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    if (!ref.startsWith('#/')) throw new FixtureDerivationError(`external $ref not supported: ${ref}`);
    if (seen.has(ref)) throw new FixtureDerivationError(`cyclic $ref: ${ref}`);
    let target: Json | undefined = spec;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      target = isObject(target) ? target[key] : undefined;
    }
    if (target === undefined) throw new FixtureDerivationError(`unresolvable $ref: ${ref}`);
    return resolve(target, new Set([...seen, ref]));
  };
  return (node) => resolve(node);
}

const JSON_TYPES: readonly string[] = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

function asJsonType(value: Json | undefined): JsonType | undefined {
  return typeof value === 'string' && JSON_TYPES.includes(value) ? (value as JsonType) : undefined;
}

function createSchemaCompactor(resolve: (node: Json | undefined) => JsonObject | undefined) {
  const compact = (node: Json | undefined, depth: number): FixtureSchema => {
    const schema = resolve(node);
    if (!schema) return {};
    const out: FixtureSchema = {};
    const types = new Set<JsonType>();
    let nullable = schema.nullable === true;

    // OpenAPI 3.1 style `type: [..., 'null']` as well as 3.0 `type` + `nullable`.
    const declared = Array.isArray(schema.type) ? schema.type : [schema.type];
    for (const t of declared) {
      if (t === 'null') nullable = true;
      const jsonType = asJsonType(t);
      if (jsonType) types.add(jsonType);
    }
    // A union (oneOf/anyOf) only constrains the type when every branch declares one.
    for (const key of ['oneOf', 'anyOf'] as const) {
      const branches = schema[key];
      if (!Array.isArray(branches) || declared.some((t) => t !== undefined)) continue;
      const compacted = branches.map((b) => compact(b, MAX_DEPTH));
      if (compacted.every((b) => b.type !== undefined)) {
        for (const b of compacted) for (const t of [b.type ?? []].flat()) types.add(t);
      }
      if (compacted.some((b) => b.nullable)) nullable = true;
    }
    if (types.size === 1) out.type = [...types][0];
    else if (types.size > 1) out.type = [...types].sort();
    if (nullable) out.nullable = true;
    if (Array.isArray(schema.enum)) out.enum = schema.enum;
    if (depth >= MAX_DEPTH) return out;

    // allOf members are merged: each one's properties and required fields apply together.
    const parts = [schema, ...(Array.isArray(schema.allOf) ? schema.allOf : []).map((p) => resolve(p) ?? {})];
    const required = new Set<string>();
    const properties: Record<string, FixtureSchema> = {};
    let hasProperties = false;
    for (const part of parts) {
      if (Array.isArray(part.required))
        for (const r of part.required) if (typeof r === 'string') required.add(r);
      if (isObject(part.properties)) {
        hasProperties = true;
        for (const [name, prop] of Object.entries(part.properties))
          properties[name] = compact(prop, depth + 1);
      }
      if (part.additionalProperties !== undefined && part.additionalProperties !== false) {
        out.additionalProperties = true;
      }
    }
    if (required.size > 0) out.required = [...required];
    if (hasProperties) out.properties = properties;
    if (schema.items !== undefined) out.items = compact(schema.items, depth + 1);
    return out;
  };
  return compact;
}

function deriveFixture(spec: JsonObject, packageVersion: string): JsonObject {
  const resolve = createResolver(spec);
  const compact = createSchemaCompactor(resolve);
  const paths = spec.paths;
  if (!isObject(paths)) throw new FixtureDerivationError('spec has no paths');

  const found = new Map<string, FixtureOperation>();
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolve(rawItem);
    if (!item) continue;
    for (const method of HTTP_METHODS) {
      const op = resolve(item[method]);
      const operationId = op?.operationId;
      if (!op || typeof operationId !== 'string' || !(OPERATIONS as readonly string[]).includes(operationId))
        continue;

      const parameters = [
        ...(Array.isArray(item.parameters) ? item.parameters : []),
        ...(Array.isArray(op.parameters) ? op.parameters : []),
      ]
        .map((p) => resolve(p))
        .filter((p): p is JsonObject => p !== undefined && p.in === 'path');
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]): FixturePathParam => {
        const param = parameters.find((p) => p.name === name);
        if (!param)
          throw new FixtureDerivationError(`${operationId}: path parameter {${name}} is undeclared`);
        const type = asJsonType(resolve(param.schema)?.type);
        return {
          name,
          ...(type ? { type } : {}),
          ...(param['x-multi-segment'] === true ? { multiSegment: true as const } : {}),
        };
      });

      const requestBody = resolve(op.requestBody);
      const content = isObject(requestBody?.content) ? requestBody.content : {};
      const jsonContent = resolve(content['application/json']);
      const body = jsonContent ? compact(jsonContent.schema, 0) : {};

      const successStatus = Object.keys(isObject(op.responses) ? op.responses : {})
        .filter((code) => /^2\d\d$/.test(code))
        .map(Number)
        .sort((a, b) => a - b);

      found.set(operationId, {
        operationId,
        method: method.toUpperCase(),
        path,
        pathParams,
        bodyRequired: requestBody?.required === true,
        requiredBody: body.required ?? [],
        bodyProperties: body.properties ?? {},
        ...(body.additionalProperties ? { additionalBodyProperties: true as const } : {}),
        successStatus,
      });
    }
  }

  const missing = OPERATIONS.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new FixtureDerivationError(`operations not found in the spec: ${missing.join(', ')}`);
  }
  const info = isObject(spec.info) ? spec.info : {};
  return {
    source: {
      package: '@octokit/openapi',
      version: packageVersion,
      file: SPEC_FILE,
      openapi: typeof spec.openapi === 'string' ? spec.openapi : null,
      plan: typeof info['x-github-plan'] === 'string' ? info['x-github-plan'] : null,
    },
    operations: OPERATIONS.map((id) => found.get(id) as unknown as JsonObject),
  };
}

function readPackageVersion(packageJsonPath: string): string | undefined {
  if (!existsSync(packageJsonPath)) return undefined;
  const pkg: Json = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
  return isObject(pkg) && typeof pkg.version === 'string' ? pkg.version : undefined;
}

function packSpec(packageSpec: string, workDir: string): { specPath: string; version: string | undefined } {
  const output = execFileSync('npm', ['pack', packageSpec, '--json', '--pack-destination', workDir], {
    cwd: workDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const packed: Json = JSON.parse(output);
  const entry = Array.isArray(packed) ? packed[0] : undefined;
  const filename = isObject(entry) ? entry.filename : undefined;
  if (typeof filename !== 'string') throw new FixtureDerivationError(`unexpected npm pack output: ${output}`);
  // npm ≥ 7 names scoped tarballs "octokit-openapi-X.tgz"; resolve relative to the destination either way.
  const tarball = join(workDir, filename.replace(/^@/, '').replace('/', '-'));
  execFileSync('tar', ['-xzf', tarball, '-C', workDir, `package/${SPEC_FILE}`, 'package/package.json'], {
    stdio: 'inherit',
  });
  return {
    specPath: join(workDir, 'package', SPEC_FILE),
    version: readPackageVersion(join(workDir, 'package', 'package.json')),
  };
}

// The fixture lives under test/, which `biome check .` covers: write it the way the formatter would.
function formatWithBiome(target: string): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome) || !resolvePath(target).startsWith(`${root}${sep}`)) return;
  execFileSync(biome, ['format', '--write', target], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      package: { type: 'string', default: '@octokit/openapi' },
      out: { type: 'string' },
    },
  });
  const target =
    values.out ??
    join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'support', 'github-openapi.json');

  let workDir: string | undefined;
  try {
    let specPath: string;
    let version: string | undefined;
    if (values.from) {
      specPath = values.from;
      // A spec inside an unpacked package (…/package/generated/api.github.com.json) has its package.json two up.
      version = readPackageVersion(join(dirname(specPath), '..', 'package.json'));
    } else {
      workDir = mkdtempSync(join(tmpdir(), 'mergeplane-openapi-'));
      ({ specPath, version } = packSpec(values.package, workDir));
    }
    const spec: Json = JSON.parse(readFileSync(specPath, 'utf8'));
    if (!isObject(spec)) throw new FixtureDerivationError(`${specPath} is not an OpenAPI document`);
    // @octokit/openapi stamps its own package version into info.version.
    const info = isObject(spec.info) ? spec.info : {};
    version ??= typeof info.version === 'string' ? info.version : undefined;
    if (!version) throw new FixtureDerivationError('cannot determine the @octokit/openapi version');

    writeFileSync(target, `${JSON.stringify(deriveFixture(spec, version), null, 2)}\n`);
    formatWithBiome(target);
    process.stderr.write(
      `wrote ${target} (${OPERATIONS.length} operations, @octokit/openapi ${version}, ${statSync(target).size} bytes)\n`,
    );
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

main();
