import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import { isRecord } from '../model/kube-object.ts';
import { ManifestParseError, type ParsedDocument, parseManifests } from '../model/parse-manifests.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import { isApplicationObject, isApplicationSetObject } from './application.ts';
import { DEFAULT_MAX_FILE_BYTES, readBoundedText } from './read-bounded-text.ts';

export interface FoundObject {
  object: Record<string, unknown>;
  /** Repository-relative POSIX path. */
  file: string;
  /** 1-based line where the object's document (or List item) starts. */
  line: number;
}

export interface Discovery {
  applications: FoundObject[];
  applicationSets: FoundObject[];
  clusterSecrets: FoundObject[];
  parseErrors: { file: string; line?: number; message: string }[];
  /** Files not read because they are larger than `maxFileBytes`: Applications in them are not planned. */
  skipped: { file: string; bytes: number }[];
}

type FileResult =
  | { file: string; docs: ParsedDocument[] }
  | { file: string; error: ManifestParseError }
  | { file: string; skippedBytes: number };

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

function isClusterSecret(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || value.kind !== 'Secret') return false;
  const metadata = value.metadata;
  return isRecord(metadata) && isRecord(metadata.labels) && metadata.labels[SECRET_TYPE_LABEL] === 'cluster';
}

/**
 * Lists the files to inspect: regular files only (a symlinked file would be found again at its target, a
 * symlinked directory could leave the checkout), never `.git` or `node_modules`, and never a Helm chart's
 * `templates/` — those are Go templates, not manifests, and reach Argo CD only through a render.
 */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string, inChart: boolean): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    const chart = inChart || entries.some((e) => e.name === 'Chart.yaml' && e.isFile());
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || (chart && entry.name === 'templates')) continue;
        await visit(child, chart);
      } else if (entry.isFile()) {
        out.push(child);
      }
    }
  };
  await visit('', false);
  return out.sort();
}

/**
 * Finds the Argo CD Applications, ApplicationSets and cluster Secrets committed in a checkout. Files are
 * selected by picomatch globs (dotfiles included) and parsed only when their text mentions Argo CD, which
 * keeps large repositories cheap. A file that fails to parse is reported, unless it contains `{{` — a
 * template of some tool, not a manifest. Output is sorted by file, then line.
 */
export async function discoverManifests(
  root: string,
  options: { include: string[]; exclude: string[]; yamlCache?: YamlCache; maxFileBytes?: number },
): Promise<Discovery> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const included = picomatch(options.include.length > 0 ? options.include : ['**'], { dot: true });
  const excluded = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : () => false;
  const files = (await listFiles(root)).filter((f) => included(f) && !excluded(f));
  const limit = pLimit(16);
  const results = await Promise.all(
    files.map((file) =>
      limit(async (): Promise<FileResult | undefined> => {
        const read = await readBoundedText(join(root, file), maxFileBytes);
        if (read === undefined) return undefined;
        if ('tooLarge' in read) return { file, skippedBytes: read.tooLarge };
        const { text } = read;
        if (!text.includes('argoproj.io') && !text.includes('secret-type')) return undefined;
        try {
          return {
            file,
            docs: options.yamlCache ? options.yamlCache.parseManifests(text) : parseManifests(text),
          };
        } catch (error) {
          if (!(error instanceof ManifestParseError)) throw error;
          if (text.includes('{{')) return undefined;
          return { file, error };
        }
      }),
    ),
  );
  const discovery: Discovery = {
    applications: [],
    applicationSets: [],
    clusterSecrets: [],
    parseErrors: [],
    skipped: [],
  };
  for (const result of results) {
    if (!result) continue;
    if ('skippedBytes' in result) {
      discovery.skipped.push({ file: result.file, bytes: result.skippedBytes });
      continue;
    }
    if ('error' in result) {
      const { error } = result;
      discovery.parseErrors.push({
        file: result.file,
        ...(error.line !== undefined ? { line: error.line } : {}),
        message: error.message,
      });
      continue;
    }
    for (const doc of result.docs) {
      const found = (object: Record<string, unknown>): FoundObject => ({
        object,
        file: result.file,
        line: doc.line,
      });
      if (isApplicationObject(doc.value)) discovery.applications.push(found(doc.value));
      else if (isApplicationSetObject(doc.value)) discovery.applicationSets.push(found(doc.value));
      else if (isClusterSecret(doc.value)) discovery.clusterSecrets.push(found(doc.value));
    }
  }
  return discovery;
}
