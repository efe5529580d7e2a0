import { type Document, isMap, isSeq, parseDocument } from 'yaml';
import { checkYamlBounds, YamlLimitError, yamlToJS } from '../model/safe-yaml.ts';
import { type MergeplaneConfig, mergeplaneConfigSchema } from './mergeplane-config.ts';

export const CONFIG_PATH = '.github/mergeplane.yml';

/** The config file is invalid; `message` names the file, the key path, the line and the reason. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string;
  readonly line: number | undefined;
  constructor(message: string, file: string, line?: number) {
    super(message);
    this.file = file;
    this.line = line;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** One config file parsed, not yet validated: its raw value and the document that locates its keys. */
export interface ParsedConfigFile {
  file: string;
  text: string;
  raw: unknown;
  doc: Document;
}

/** Parses a config file (YAML, bounded); throws ConfigError naming the file and line. */
export function parseConfigFile(text: string | undefined, file: string = CONFIG_PATH): ParsedConfigFile {
  const doc = parseDocument(text ?? '', { prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lineOf(text ?? '', firstError.pos[0]);
    throw new ConfigError(`${file}:${line}: invalid YAML: ${firstError.message.split('\n')[0]}`, file, line);
  }
  try {
    checkYamlBounds(doc, (text ?? '').length);
  } catch (error) {
    if (!(error instanceof YamlLimitError)) throw error;
    throw new ConfigError(`${file}: ${error.message}`, file);
  }
  return { file, text: text ?? '', raw: yamlToJS(doc) ?? {}, doc };
}

/** Parses and validates the repository config. An empty or missing text yields all defaults. */
export function loadConfig(text: string | undefined, file: string = CONFIG_PATH): MergeplaneConfig {
  const parsed = parseConfigFile(text, file);
  return validateConfig(parsed.raw, parsed);
}

/**
 * Validates a config value against the schema; an error is located in `source` (the file that was read, or the one
 * extending others) where the offending key is written there.
 */
export function validateConfig(raw: unknown, source: ParsedConfigFile, prefix = ''): MergeplaneConfig {
  const { doc, file } = source;
  const text = source.text;
  const result = mergeplaneConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // Point at the deepest node that exists, so an unknown key or a wrong value gets its own line.
  let node: unknown = doc.getIn(issue.path as unknown[], true);
  for (let depth = issue.path.length - 1; node === undefined && depth >= 0; depth--) {
    node = doc.getIn(issue.path.slice(0, depth) as unknown[], true);
  }
  let line: number | undefined;
  if (issue.code === 'unrecognized_keys' && (isMap(node) || isSeq(node))) {
    const key = issue.keys[0];
    const pair = isMap(node)
      ? node.items.find((p) => String((p.key as { value?: unknown })?.value) === key)
      : undefined;
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range) line = lineOf(text ?? '', range[0]);
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (line === undefined && range) line = lineOf(text ?? '', range[0]);
  const where = line === undefined ? file : `${file}:${line}`;
  const detail =
    issue.code === 'unrecognized_keys' ? `unknown key "${issue.keys.join('", "')}"` : issue.message;
  throw new ConfigError(`${prefix}${where}: ${formatPath(issue.path)}: ${detail}`, file, line);
}
