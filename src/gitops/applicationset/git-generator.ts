import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord } from '../../model/kube-object.ts';
import { parseYamlDocuments, yamlToJS } from '../../model/safe-yaml.ts';
import { formatGoValue } from '../../template/go-template/go-format.ts';
import { sanitizeName } from '../../template/sanitize-name.ts';
import { ApplicationSetError, UnsupportedGeneratorError } from './application-set-error.ts';
import { type GeneratorTree, TreeFilesNeeded } from './generator-context.ts';
import type { GeneratorState } from './generator-state.ts';
import { newParamSet, type ParamSet, toSafeData } from './param-set.ts';
import { gitPathspecMatch, goPathMatch } from './path-match.ts';
import { appendTemplatedValues } from './templated-values.ts';

const MAX_FILE_BYTES = 1024 * 1024;

interface PathPattern {
  path: string;
  exclude: boolean;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

/** Included by at least one pattern and excluded by none: exclusions win whatever their order. */
function selectPaths(
  paths: string[],
  patterns: PathPattern[],
  match: (pattern: string, path: string) => boolean,
): string[] {
  return paths.filter((path) => {
    let included = false;
    for (const pattern of patterns) {
      if (!match(pattern.path, path)) continue;
      if (pattern.exclude) return false;
      included = true;
    }
    return included;
  });
}

/** jeremywohl/flatten with DotStyle, then fmt's %v: how Argo CD turns a file into fasttemplate parameters. */
function flatten(value: unknown, prefix: string, out: ParamSet): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flattenEntry(prefix === '' ? String(i) : `${prefix}.${i}`, v, out);
  } else if (isRecord(value)) {
    for (const key of Object.keys(value))
      flattenEntry(prefix === '' ? key : `${prefix}.${key}`, value[key], out);
  }
}

function flattenEntry(key: string, value: unknown, out: ParamSet): void {
  if (Array.isArray(value) || isRecord(value)) flatten(value, key, out);
  else out[key] = formatGoValue(value);
}

/** `pathParamPrefix` `a.b` with Go templates nests as `.a.b.path`. */
function setNested(params: ParamSet, prefix: string, key: string, value: unknown): void {
  let target = params;
  for (const part of prefix === '' ? [] : prefix.split('.')) {
    const next = Object.hasOwn(target, part) ? target[part] : undefined;
    if (isRecord(next)) {
      target = next;
    } else {
      const created = newParamSet();
      target[part] = created;
      target = created;
    }
  }
  target[key] = value;
}

/** Path parameters of the directory generator (`file` undefined) or of one matched file. */
function addPathParams(
  params: ParamSet,
  dir: string,
  file: string | undefined,
  prefix: string,
  goTemplate: boolean,
): void {
  if (goTemplate) {
    const path = newParamSet();
    path.path = dir;
    path.basename = basename(dir);
    path.basenameNormalized = sanitizeName(basename(dir));
    if (file !== undefined) {
      path.filename = basename(file);
      path.filenameNormalized = sanitizeName(basename(file));
    }
    path.segments = dir.split('/');
    setNested(params, prefix, 'path', path);
    return;
  }
  const name = prefix === '' ? 'path' : `${prefix}.path`;
  params[name] = dir;
  params[`${name}.basename`] = basename(dir);
  params[`${name}.basenameNormalized`] = sanitizeName(basename(dir));
  if (file !== undefined) {
    params[`${name}.filename`] = basename(file);
    params[`${name}.filenameNormalized`] = sanitizeName(basename(file));
  }
  dir.split('/').forEach((segment, i) => {
    if (segment !== '') params[`${name}[${i}]`] = segment;
  });
}

function readPatterns(value: unknown, field: string, fail: (reason: string) => never): PathPattern[] {
  if (!Array.isArray(value)) fail(`${field} must be a list`);
  return (value as unknown[]).map((entry, i) => {
    if (!isRecord(entry) || typeof entry.path !== 'string') fail(`${field}[${i}].path must be a string`);
    const { path, exclude } = entry as { path: string; exclude?: unknown };
    return { path, exclude: exclude === true };
  });
}

/** First YAML/JSON document of a file: a list gives one parameter set per element, an empty file one empty set. */
/** A selected file's text: from the checkout directory, or from a tree's view (which may ask for it to be loaded). */
function readText(root: string | GeneratorTree, file: string, fail: (reason: string) => never): string {
  if (typeof root !== 'string') {
    if ((root.size(file) ?? 0) > MAX_FILE_BYTES) fail(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
    return root.text(file);
  }
  const absolute = join(root, file);
  if (statSync(absolute).size > MAX_FILE_BYTES) fail(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
  return readFileSync(absolute, 'utf8');
}

function readObjects(text: string, file: string, fail: (reason: string) => never): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    const doc = parseYamlDocuments(text, { uniqueKeys: true })[0];
    if (doc && doc.errors.length > 0) fail(`unable to parse ${file}: ${doc.errors[0]!.message}`);
    parsed = doc ? yamlToJS(doc) : null;
  } catch (error) {
    if (error instanceof ApplicationSetError) throw error;
    fail(`unable to parse ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const safe = toSafeData(parsed, (reason) => fail(`${file}: ${reason}`));
  if (safe === null) return [newParamSet()];
  if (Array.isArray(safe)) {
    if (safe.length === 0) return [newParamSet()];
    if (!safe.every(isRecord)) fail(`unable to parse ${file}: a list must hold objects`);
    return safe as Record<string, unknown>[];
  }
  if (!isRecord(safe)) fail(`unable to parse ${file}: expected an object or a list of objects`);
  return [safe as Record<string, unknown>];
}

/**
 * The git generator, read from the checkout instead of a clone: directories match Go's path.Match,
 * files match git's default (greedy) pathspec globbing. Only this repository can be read offline.
 */
export function gitParams(spec: Record<string, unknown>, state: GeneratorState): ParamSet[] {
  const fail = (reason: string): never => {
    throw new ApplicationSetError(state.appSetName, `git generator: ${reason}`);
  };
  const { repoURL } = spec;
  if (typeof repoURL !== 'string' || repoURL === '') fail('repoURL is required');
  if (!state.context.isThisRepo(repoURL as string)) {
    throw new UnsupportedGeneratorError(
      state.appSetName,
      `git generator repoURL ${repoURL as string} is not this repository; only this repository can be read offline`,
    );
  }
  const prefix = typeof spec.pathParamPrefix === 'string' ? spec.pathParamPrefix : '';
  const result: ParamSet[] = [];
  if (spec.directories !== undefined && spec.directories !== null) {
    const patterns = readPatterns(spec.directories, 'directories', fail);
    // A malformed pattern matches nothing (Argo CD logs it and goes on).
    const dirs = selectPaths(
      state.repoTree().directories,
      patterns,
      (p, path) => goPathMatch(p, path) === true,
    );
    for (const dir of dirs) {
      const params = newParamSet();
      addPathParams(params, dir, undefined, prefix, state.goTemplate);
      appendTemplatedValues(spec.values, params, state);
      result.push(params);
    }
  } else if (spec.files !== undefined && spec.files !== null) {
    const patterns = readPatterns(spec.files, 'files', fail);
    const files = selectPaths(state.repoTree().files, patterns, gitPathspecMatch);
    const { root } = state.context;
    if (typeof root !== 'string') {
      // Every selected file is asked for at once: one load and one more expansion, not one per file.
      const missing = files.filter((file) => {
        try {
          root.text(file);
          return false;
        } catch (error) {
          if (error instanceof TreeFilesNeeded) return true;
          throw error;
        }
      });
      if (missing.length > 0) throw new TreeFilesNeeded(missing);
    }
    for (const file of files) {
      for (const object of readObjects(readText(root, file, fail), file, fail)) {
        const params = newParamSet();
        if (state.goTemplate) Object.assign(params, object);
        else flatten(object, '', params);
        addPathParams(params, dirname(file), file, prefix, state.goTemplate);
        appendTemplatedValues(spec.values, params, state);
        result.push(params);
        state.checkBudget(result.length);
      }
    }
  } else {
    fail('needs directories or files');
  }
  state.checkBudget(result.length);
  return result;
}
