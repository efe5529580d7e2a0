import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  parseAllDocuments,
  parseDocument,
} from 'yaml';

/**
 * Every YAML text Mergeplane parses comes from a pull request or from a tool that rendered one, so a parse is
 * bounded by what the text expands to, not by its length: aliases can make a 1 MB file stand for gigabytes.
 */
export const YAML_LIMITS = {
  /** Alias nodes per document (YAML's own `maxAliasCount`). */
  maxAliasCount: 1000,
  /** Nesting of maps and sequences, aliases followed. */
  maxDepth: 256,
  /** A document may expand to this many times its text… */
  maxExpansionRatio: 10,
  /** …and at least this many bytes (small texts with a few aliases are normal)… */
  minExpandedBytes: 1024 * 1024,
  /** …and never more than this. */
  maxExpandedBytes: 64 * 1024 * 1024,
} as const;

/**
 * A YAML text exceeds a limit of YAML_LIMITS, or has an alias that cannot be expanded; `line` is where the
 * offending document starts.
 */
export class YamlLimitError extends Error {
  override readonly name = 'YamlLimitError';
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

function expandedBudget(textLength: number): number {
  return Math.min(
    YAML_LIMITS.maxExpandedBytes,
    Math.max(YAML_LIMITS.minExpandedBytes, textLength * YAML_LIMITS.maxExpansionRatio),
  );
}

/**
 * Walks one document's nodes and sizes what `toJS` would build, following aliases through a memo so a
 * bomb is measured in time linear in its text. Throws before anything is expanded.
 */
export function checkYamlBounds(doc: Document, textLength: number, lineCounter?: LineCounter): void {
  const budget = expandedBudget(textLength);
  const line = () =>
    lineCounter && doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
  const sizes = new Map<unknown, number>();
  const active = new Set<unknown>();
  let aliases = 0;
  const size = (node: unknown, depth: number): number => {
    if (node === null || node === undefined) return 4;
    if (depth > YAML_LIMITS.maxDepth) {
      throw new YamlLimitError(`YAML nests deeper than ${YAML_LIMITS.maxDepth} levels`, line());
    }
    if (isAlias(node)) {
      aliases += 1;
      if (aliases > YAML_LIMITS.maxAliasCount) {
        throw new YamlLimitError(`YAML has more than ${YAML_LIMITS.maxAliasCount} aliases`, line());
      }
      const target = node.resolve(doc);
      // `toJS` would throw a bare ReferenceError; name it here like every other refusal.
      if (target === undefined)
        throw new YamlLimitError(`YAML alias *${node.source} has no anchor before it`, line());
      return size(target, depth);
    }
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (active.has(node)) throw new YamlLimitError('YAML alias refers to its own anchor', line());
    active.add(node);
    let total: number;
    if (isScalar(node)) {
      const { value } = node;
      total = typeof value === 'string' ? value.length + 2 : String(value).length;
    } else if (isMap(node) || isSeq(node)) {
      total = 2;
      for (const item of node.items as unknown[]) {
        total += isPair(item)
          ? size(item.key, depth + 1) + size(item.value, depth + 1) + 2
          : size(item, depth + 1) + 1;
        if (total > budget) break;
      }
    } else {
      total = 4;
    }
    active.delete(node);
    sizes.set(node, total);
    if (total > budget) {
      throw new YamlLimitError(
        `YAML expands to more than ${budget} bytes (aliases repeat content; limit: ${YAML_LIMITS.maxExpansionRatio}× the text, at most ${YAML_LIMITS.maxExpandedBytes} bytes)`,
        line(),
      );
    }
    return total;
  };
  size(doc.contents as Node | null, 0);
}

export interface ParseYamlOptions {
  lineCounter?: LineCounter;
  /** Reject duplicate keys (the YAML default); Kubernetes tools tolerate them, so the default here is false. */
  uniqueKeys?: boolean;
}

/**
 * `parseAllDocuments` with every document checked by `checkYamlBounds`. Syntax errors stay in each document's
 * `errors` for the caller, as the library leaves them; exceeding a limit throws YamlLimitError.
 */
export function parseYamlDocuments(text: string, o: ParseYamlOptions = {}): Document[] {
  const parsed = parseAllDocuments(text, {
    prettyErrors: false,
    uniqueKeys: o.uniqueKeys ?? false,
    ...(o.lineCounter ? { lineCounter: o.lineCounter } : {}),
  });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) if (doc.errors.length === 0) checkYamlBounds(doc, text.length, o.lineCounter);
  return docs;
}

/** `toJS` of a checked document, with the same alias limit. */
export function yamlToJS(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
}

/**
 * A single YAML value like `yaml.parse` (duplicate keys tolerated, as kubectl does): throws the parser's
 * error for invalid YAML and YamlLimitError past a limit.
 */
export function parseYamlValue(text: string, o: ParseYamlOptions = {}): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: o.uniqueKeys ?? false });
  const error = doc.errors[0];
  if (error) throw error;
  checkYamlBounds(doc, text.length);
  return yamlToJS(doc);
}
