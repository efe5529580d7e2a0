import { isKubeObject, isRecord, type KubeObject } from '../kube/kube-object.ts';
import { ManifestParseError, parseManifests } from '../kube/parse-manifests.ts';
import { InvalidManifestError } from './render-error.ts';

/**
 * Hooks and Jobs often carry `metadata.generateName` instead of a name; the API server names them at
 * creation. They get a stable stand-in name, `PREFIX*`, so they can be keyed and diffed.
 */
function withGeneratedName(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.metadata)) return value;
  const { metadata } = value;
  if (metadata.name !== undefined || typeof metadata.generateName !== 'string') return value;
  return { ...value, metadata: { ...metadata, name: `${metadata.generateName}*` } };
}

/**
 * Parses a tool's (or a file's) YAML output into Kubernetes objects. A document that is not an object
 * with apiVersion, kind and metadata.name is an InvalidManifestError — Argo CD would refuse to sync it.
 */
export function parseRenderedObjects(text: string, where: { label: string; file?: string }): KubeObject[] {
  let docs: ReturnType<typeof parseManifests>;
  try {
    docs = parseManifests(text);
  } catch (error) {
    if (!(error instanceof ManifestParseError)) throw error;
    throw new InvalidManifestError(`${where.label}: invalid YAML at ${error.message}`, {
      ...(where.file !== undefined ? { file: where.file } : {}),
      ...(error.line !== undefined ? { line: error.line } : {}),
    });
  }
  const objects: KubeObject[] = [];
  for (const doc of docs) {
    const value = withGeneratedName(doc.value);
    if (!isKubeObject(value)) {
      throw new InvalidManifestError(
        `${where.label}: document at line ${doc.line} is not a Kubernetes object (needs apiVersion, kind and metadata.name)`,
        { ...(where.file !== undefined ? { file: where.file } : {}), line: doc.line },
      );
    }
    objects.push(value);
  }
  return objects;
}
