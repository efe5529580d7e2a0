import { type Document, isMap, isSeq, LineCounter } from 'yaml';
import { isRecord } from './kube-object.ts';
import { parseYamlDocuments, YamlLimitError, yamlToJS } from './safe-yaml.ts';

export interface ParsedDocument {
  /** The document's value; `null` for an empty document. */
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
  /** 1-based line of a field, by dotted path with `[n]` indexes (`spec.items[0].name`); undefined if absent. */
  lineOf?: (path: string) => number | undefined;
}

/** `spec.parameters[0].name` → ['spec', 'parameters', 0, 'name']. */
function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      keys.push(part);
      continue;
    }
    if (match[1]) keys.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

export class ManifestParseError extends Error {
  override readonly name = 'ManifestParseError';
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

/**
 * Parses a multi-document YAML (or JSON) text. Empty documents are dropped and `kind: List`
 * objects are flattened, the way kubectl and Argo CD read manifests. Throws ManifestParseError on invalid YAML
 * and on YAML past the limits of safe-yaml.ts (aliases, depth, expanded size) — never anything else, so one
 * hostile file is that file's error.
 */
export function parseManifests(text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  let docs: Document[];
  try {
    docs = parseYamlDocuments(text, { lineCounter });
  } catch (error) {
    if (error instanceof YamlLimitError)
      throw new ManifestParseError(lineMessage(error.message, error.line), error.line);
    throw new ManifestParseError(`invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return collectDocuments(docs, lineCounter);
  } catch (error) {
    if (error instanceof ManifestParseError) throw error;
    // The parser's own guards (its alias count, say) throw plain errors from toJS.
    throw new ManifestParseError(
      `invalid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}

function lineMessage(message: string, line: number | undefined): string {
  return line !== undefined ? `line ${line}: ${message}` : message;
}

function collectDocuments(docs: Document[], lineCounter: LineCounter): ParsedDocument[] {
  const out: ParsedDocument[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const line = lineCounter.linePos(error.pos[0]).line;
      throw new ManifestParseError(`line ${line}: ${error.message.split('\n')[0]}`, line);
    }
    if (doc.contents === null) continue;
    const contents = doc.contents;
    const line = lineCounter.linePos(contents.range?.[0] ?? 0).line;
    const value: unknown = yamlToJS(doc);
    if (value === null || value === undefined) continue;
    if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items) && isMap(contents)) {
      const items = contents.get('items', true);
      value.items.forEach((item, index) => {
        const node = isSeq(items) ? items.items[index] : undefined;
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        out.push({ value: item, line: range ? lineCounter.linePos(range[0]).line : line });
      });
      continue;
    }
    out.push({
      value,
      line,
      lineOf: (path) => {
        const node = doc.getIn(pathKeys(path), true) as { range?: [number, number, number] } | undefined;
        return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
      },
    });
  }
  return out;
}
