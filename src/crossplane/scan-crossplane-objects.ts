import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DEFAULT_MAX_FILE_BYTES, readBoundedText } from '../gitops/read-bounded-text.ts';
import { isRecord } from '../model/kube-object.ts';
import { ManifestParseError, parseManifests } from '../model/parse-manifests.ts';
import { isXrdObject } from './crossplane-model.ts';

export interface ScannedObject {
  object: Record<string, unknown>;
  /** Path relative to the scanned root, with `/` separators. */
  file: string;
  /** 1-based line where the object's document starts. */
  line: number;
  /** 1-based line of a field (`spec.parameters.region`), for errors that point at the field. */
  lineOf?: (path: string) => number | undefined;
}

/** Default cap, discovery's; plans pass `discovery.maxFileBytes`, which names the changed files it skips. */
export const MAX_SCANNED_FILE_BYTES = DEFAULT_MAX_FILE_BYTES;

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
const MANIFEST_FILE = /\.(ya?ml|json)$/i;
// CRDs are included because a provider's CRD tells which managed-resource fields are immutable.
const CROSSPLANE_MARKERS =
  /crossplane\.io|compositionRef|compositeTypeRef|kind:\s*["']?CustomResourceDefinition\b/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Manifest files under root: no symlinks, no `.git`/`node_modules`, no Helm chart `templates/`. */
async function manifestFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // Helm templates are not YAML until rendered; their rendered output reaches planClaims separately.
    const isChart = entries.some((e) => e.isFile() && e.name === 'Chart.yaml');
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || (isChart && entry.name === 'templates')) continue;
        await walk(path);
      } else if (entry.isFile() && MANIFEST_FILE.test(entry.name)) {
        files.push(path);
      }
    }
  };
  await walk(root);
  return files.sort();
}

/** A regular file's text when it is at most `maxFileBytes`; symlinks and larger files are skipped. */
async function readBounded(path: string, maxFileBytes: number): Promise<string | undefined> {
  const read = await readBoundedText(path, maxFileBytes);
  return read !== undefined && 'text' in read ? read.text : undefined;
}

function parse(root: string, path: string, text: string): ScannedObject[] {
  let docs: ReturnType<typeof parseManifests>;
  try {
    docs = parseManifests(text);
  } catch (error) {
    // Invalid YAML is reported by the manifest checks; here it only means nothing to plan.
    if (error instanceof ManifestParseError) return [];
    throw error;
  }
  const file = relative(root, path).split(sep).join('/');
  return docs
    .filter((d) => isRecord(d.value))
    .map((d) => ({
      object: d.value as Record<string, unknown>,
      file,
      line: d.line,
      ...(d.lineOf ? { lineOf: d.lineOf } : {}),
    }));
}

/**
 * Finds the Crossplane objects of a checkout: XRDs, Compositions, and the claims/XRs of the kinds
 * those XRDs define (even in files that never mention Crossplane). Two passes: files mentioning
 * Crossplane first, then files whose `apiVersion` is in a group an XRD defines. Every object of a
 * matching file is returned, in path order; files over `maxFileBytes` and unparseable files are skipped.
 */
export async function scanCrossplaneObjects(
  root: string,
  o: { maxFileBytes?: number } = {},
): Promise<ScannedObject[]> {
  const maxFileBytes = o.maxFileBytes ?? MAX_SCANNED_FILE_BYTES;
  const files = await manifestFiles(root);
  const found = new Map<string, ScannedObject[]>();
  const rest: string[] = [];
  const groups = new Set<string>();
  for (const path of files) {
    const text = await readBounded(path, maxFileBytes);
    if (text === undefined) continue;
    if (!CROSSPLANE_MARKERS.test(text)) {
      if (text.includes('apiVersion')) rest.push(path);
      continue;
    }
    const objects = parse(root, path, text);
    found.set(path, objects);
    for (const { object } of objects) {
      if (isXrdObject(object) && isRecord(object.spec) && typeof object.spec.group === 'string') {
        groups.add(object.spec.group);
      }
    }
  }
  if (groups.size > 0) {
    const apiVersionOfGroup = new RegExp(
      `["']?apiVersion["']?\\s*:\\s*["']?(?:${[...groups].map(escapeRegExp).join('|')})/`,
    );
    for (const path of rest) {
      const text = await readBounded(path, maxFileBytes);
      if (text === undefined || !apiVersionOfGroup.test(text)) continue;
      found.set(path, parse(root, path, text));
    }
  }
  return files.flatMap((path) => found.get(path) ?? []);
}
