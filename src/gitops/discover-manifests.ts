import pLimit from 'p-limit';
import picomatch from 'picomatch';
import { isRecord } from '../model/kube-object.ts';
import { ManifestParseError, type ParsedDocument, parseManifests } from '../model/parse-manifests.ts';
import { type LruCache, type Memo, memoIn, memoValues } from '../model/plan-caches.ts';
import { type RevisionTree, treeParentOf } from '../model/revision-tree.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import { isApplicationObject, isApplicationSetObject } from './application.ts';
import { openDirectoryTree } from './directory-tree.ts';
import { DEFAULT_MAX_FILE_BYTES } from './max-file-bytes.ts';

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

/** What discovery keeps per blob between plans. */
export type CachedFinding = Memo<FileFinding | { tooLarge: number }>;

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
 * The files to inspect: regular files only (a symlinked file would be found again at its target, a symlinked
 * directory could leave the tree), never under `node_modules`, and never a Helm chart's `templates/` — those are
 * Go templates, not manifests, and reach Argo CD only through a render.
 */
export function manifestCandidates(tree: RevisionTree): string[] {
  const skippedDir = new Map<string, { skipped: boolean; inChart: boolean }>();
  const dirState = (dir: string): { skipped: boolean; inChart: boolean } => {
    let state = skippedDir.get(dir);
    if (!state) {
      const isChart = tree.entry(dir === '.' ? 'Chart.yaml' : `${dir}/Chart.yaml`)?.kind === 'file';
      if (dir === '.') {
        state = { skipped: false, inChart: isChart };
      } else {
        const parent = dirState(treeParentOf(dir));
        const name = dir.slice(dir.lastIndexOf('/') + 1);
        const skipped = parent.skipped || SKIPPED_DIRS.has(name) || (parent.inChart && name === 'templates');
        state = { skipped, inChart: parent.inChart || isChart };
      }
      skippedDir.set(dir, state);
    }
    return state;
  };
  return tree
    .leaves()
    .filter((path) => tree.entry(path)?.kind === 'file' && !dirState(treeParentOf(path)).skipped);
}

/** What one file holds for discovery, by its content alone (cacheable by blob id). */
type FileFinding = { docs: ParsedDocument[] } | { error: ManifestParseError } | { none: true };

function inspect(text: string, yamlCache: YamlCache | undefined): FileFinding {
  if (!text.includes('argoproj.io') && !text.includes('secret-type')) return { none: true };
  try {
    const docs = yamlCache ? yamlCache.parseManifests(text) : parseManifests(text);
    // Kept between plans: the values and lines only, not the parser's documents behind field lookups.
    return { docs: docs.map((doc) => ({ value: doc.value, line: doc.line })) };
  } catch (error) {
    if (!(error instanceof ManifestParseError)) throw error;
    if (text.includes('{{')) return { none: true };
    return { error };
  }
}

/**
 * Finds the Argo CD Applications, ApplicationSets and cluster Secrets committed in a revision. Files are
 * selected by picomatch globs (dotfiles included) and parsed only when their text mentions Argo CD, which
 * keeps large repositories cheap; with `cache`, a file seen before (by blob id) is not read again. A file that
 * fails to parse is reported, unless it contains `{{` — a template of some tool, not a manifest. Output is
 * sorted by file, then line.
 */
export async function discoverManifests(
  root: string | RevisionTree,
  options: {
    include: string[];
    exclude: string[];
    yamlCache?: YamlCache;
    maxFileBytes?: number;
    cache?: LruCache<CachedFinding>;
  },
): Promise<Discovery> {
  const tree = typeof root === 'string' ? await openDirectoryTree(root) : root;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const included = picomatch(options.include.length > 0 ? options.include : ['**'], { dot: true });
  const excluded = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : () => false;
  const files = manifestCandidates(tree).filter((f) => included(f) && !excluded(f));
  const cache = tree.contentAddressed ? options.cache : undefined;
  const limit = pLimit(64);
  // Per blob, memoized: the two revisions of a plan ask for the same blobs at once, and each is parsed once.
  const findingOf = (file: string) =>
    memoIn(cache, tree.entry(file)?.id ?? '', () =>
      limit(() => tree.boundedText(file, maxFileBytes)).then((read): FileFinding | { tooLarge: number } => {
        if (read === undefined) return { none: true };
        if ('tooLarge' in read) return read;
        // With a per-blob cache, each text is parsed once anyway: the plan's YAML cache need not hold it too.
        return inspect(read.text, cache ? undefined : options.yamlCache);
      }),
    );
  const findings = await memoValues(files.map(findingOf));
  const results = files.map((file, i): FileResult | undefined => {
    const finding = findings[i]!;
    if ('none' in finding) return undefined;
    if ('tooLarge' in finding) return { file, skippedBytes: finding.tooLarge };
    return { file, ...finding };
  });
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
