import { isRecord } from '../model/kube-object.ts';
import { ownValue, setKey } from '../model/own-keys.ts';
import {
  CONFIG_PATH,
  ConfigError,
  type ParsedConfigFile,
  parseConfigFile,
  validateConfig,
} from './load-config.ts';
import type { MergeplaneConfig } from './mergeplane-config.ts';

/** Where a config file lives: a repository (of `owner`, else the extending file's owner) and a path in it. */
export interface ConfigSource {
  owner?: string;
  repo: string;
  path: string;
}

/**
 * Reads a config file another one extends; undefined when it does not exist. Throws ConfigSourceError when it
 * cannot be read for good (the `config` gate names it); any other error (a network failure) is left to the caller
 * to retry.
 */
export type ConfigFileReader = (source: ConfigSource) => Promise<string | undefined>;

/** A file `_extends` names cannot be read, and trying again will not help. */
export class ConfigSourceError extends Error {
  override readonly name = 'ConfigSourceError';
}

/** Config files are small: a parent larger than this is refused by every reader rather than parsed. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** How many files a chain of `_extends` may hold, the repository's own included. */
export const MAX_EXTENDS_DEPTH = 5;

const NAME = /^[A-Za-z0-9._-]+$/;
/** A GitHub owner or repository name, never one that means a folder above (`..`) when used as a path. */
const isName = (name: string | undefined): name is string =>
  name !== undefined && NAME.test(name) && name !== '.' && name !== '..';

/** A path inside a repository: relative, no `..`, no empty segment. */
export function isRepositoryPath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((s) => s === '..' || s === '');
}

export function describeSource(source: ConfigSource): string {
  return `${source.owner !== undefined ? `${source.owner}/` : ''}${source.repo}:${source.path}`;
}

/**
 * Probot's `_extends` convention: `repo` (usually `.github`, the organisation's defaults), `owner/repo`, either with
 * `:path`; the path defaults to `.github/mergeplane.yml`. Anything else is a config error, never a lookup.
 */
export function parseExtends(value: unknown, from: ConfigSource, file: string): ConfigSource {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${file}: _extends must be "repo", "owner/repo" or either with ":path"`, file);
  }
  const colon = value.indexOf(':');
  const target = colon === -1 ? value : value.slice(0, colon);
  const path = colon === -1 ? CONFIG_PATH : value.slice(colon + 1);
  const [first, second, ...more] = target.split('/');
  const owner = second === undefined ? from.owner : first;
  const repo = second === undefined ? first : second;
  if (
    more.length > 0 ||
    !isName(repo) ||
    (owner !== undefined && !isName(owner)) ||
    !isRepositoryPath(path)
  ) {
    throw new ConfigError(
      `${file}: _extends "${value}" is not "repo", "owner/repo" or either with ":path"`,
      file,
    );
  }
  return { ...(owner !== undefined ? { owner } : {}), repo, path };
}

/** Maps merge key by key (the extending file wins); lists and scalars of the extending file replace the parent's. */
export function mergeConfigValues(parent: unknown, child: unknown): unknown {
  if (!isRecord(parent) || !isRecord(child)) return child === undefined ? parent : child;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(parent), ...Object.keys(child)])) {
    const value = Object.hasOwn(child, key)
      ? mergeConfigValues(ownValue(parent, key), child[key])
      : parent[key];
    setKey(out, key, value);
  }
  return out;
}

function withoutExtends(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const { _extends: _ignored, ...rest } = raw;
  void _ignored;
  return rest;
}

/**
 * The repository config with the defaults it extends: each `_extends` is read through `read` (the App: the
 * organisation's repository by the GitHub API; the CLI: `--config-extends DIR`) and merged under it, up to
 * MAX_EXTENDS_DEPTH files. A parent that cannot be read or is invalid is a ConfigError naming the chain of files.
 */
export async function loadExtendedConfig(o: {
  text: string | undefined;
  file: string;
  self: ConfigSource;
  read: ConfigFileReader | undefined;
}): Promise<MergeplaneConfig> {
  const own = parseConfigFile(o.text, o.file);
  const chain: string[] = [o.file];
  const seen = new Set([describeSource(o.self)]);
  let merged = withoutExtends(own.raw);
  let current: ParsedConfigFile = own;
  let from = o.self;
  const fail = (message: string) => new ConfigError(`${chain.join(' → ')}: ${message}`, o.file);
  while (isRecord(current.raw) && current.raw._extends !== undefined) {
    const parent = parseExtends(current.raw._extends, from, current.file);
    const where = describeSource(parent);
    chain.push(where);
    if (seen.has(where)) throw fail('_extends forms a cycle');
    if (chain.length > MAX_EXTENDS_DEPTH)
      throw fail(`more than ${MAX_EXTENDS_DEPTH} files extend one another`);
    seen.add(where);
    if (!o.read) {
      throw fail('organisation defaults cannot be read here (the CLI reads them with --config-extends DIR)');
    }
    let text: string | undefined;
    try {
      text = await o.read(parent);
    } catch (error) {
      if (error instanceof ConfigSourceError) throw fail(`cannot read it: ${error.message}`);
      throw error;
    }
    if (text === undefined) throw fail('not found');
    try {
      current = parseConfigFile(text, where);
    } catch (error) {
      if (error instanceof ConfigError) throw fail(error.message);
      throw error;
    }
    merged = mergeConfigValues(withoutExtends(current.raw), merged);
    from = parent;
  }
  const prefix = chain.length > 1 ? `${chain.slice(1).join(' → ')} extended by ` : '';
  return validateConfig(merged, own, prefix);
}
