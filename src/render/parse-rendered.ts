import { isKubeObject, isRecord, type KubeObject } from '../model/kube-object.ts';
import { setObjectSource } from '../model/object-source.ts';
import { ManifestParseError, parseManifests } from '../model/parse-manifests.ts';
import { InvalidManifestError } from './render-error.ts';

export interface ParseRenderedOptions {
  /** Prefix for messages: `application NAME: source PATH`. */
  where: string;
  /** The repository file the text came from (directory sources); its lines are the document's lines. */
  file?: string;
  /** For tool output: maps a 1-based output line to the repository file that produced it, when known. */
  locate?: (line: number) => string | undefined;
}

/**
 * Hooks and Jobs often carry `metadata.generateName` instead of a name (the API server names them on create,
 * and Argo CD creates rather than applies them). They keep a stable stand-in name, `PREFIX*`, so the diff can
 * key them; everything else about the object is left as rendered.
 */
function withGeneratedName(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.metadata)) return value;
  const { metadata } = value;
  if (
    metadata.name !== undefined ||
    typeof metadata.generateName !== 'string' ||
    metadata.generateName === ''
  ) {
    return value;
  }
  return { ...value, metadata: { ...metadata, name: `${metadata.generateName}*` } };
}

/**
 * Parses rendered YAML into Kubernetes objects: empty documents dropped, Lists flattened, anything that is not
 * an object with apiVersion, kind and metadata.name rejected with InvalidManifestError (file/line when known).
 */
export function parseRendered(text: string, o: ParseRenderedOptions): KubeObject[] {
  const location = (line: number | undefined): { file?: string; line?: number } => {
    if (o.file !== undefined) return { file: o.file, ...(line !== undefined ? { line } : {}) };
    const file = line !== undefined ? o.locate?.(line) : undefined;
    return file !== undefined ? { file } : {};
  };
  let docs: ReturnType<typeof parseManifests>;
  try {
    docs = parseManifests(text);
  } catch (error) {
    if (!(error instanceof ManifestParseError)) throw error;
    const at = o.file !== undefined ? `${o.file}: ` : '';
    throw new InvalidManifestError(`${o.where}: invalid YAML: ${at}${error.message}`, location(error.line), {
      cause: error,
    });
  }
  const objects: KubeObject[] = [];
  for (const doc of docs) {
    const value = withGeneratedName(doc.value);
    if (isKubeObject(value)) {
      // Schema findings point at the file (and, for a repository file, the line) the object came from.
      const loc = location(doc.line);
      if (loc.file !== undefined)
        setObjectSource(value, { file: loc.file, ...(loc.line !== undefined ? { line: loc.line } : {}) });
      objects.push(value);
      continue;
    }
    const loc = location(doc.line);
    const at =
      loc.file !== undefined
        ? `${loc.file}${o.file !== undefined ? `:${doc.line}` : ''}`
        : `output line ${doc.line}`;
    throw new InvalidManifestError(
      `${o.where}: ${at}: document is not a Kubernetes object (needs apiVersion, kind and metadata.name)`,
      loc,
    );
  }
  return objects;
}
