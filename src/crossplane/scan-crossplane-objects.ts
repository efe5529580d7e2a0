import { openDirectoryTree } from '../gitops/directory-tree.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../gitops/max-file-bytes.ts';
import { isRecord } from '../model/kube-object.ts';
import { ManifestParseError, parseManifests } from '../model/parse-manifests.ts';
import { type LruCache, type Memo, memoIn, memoValues, type PlanCaches } from '../model/plan-caches.ts';
import { type RevisionTree, treeParentOf } from '../model/revision-tree.ts';
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

/** Manifest files of the tree: no symlinks, nothing under `node_modules`, no Helm chart's `templates/`. */
function manifestFiles(tree: RevisionTree): string[] {
  const skipped = new Map<string, boolean>();
  const isSkipped = (dir: string): boolean => {
    if (dir === '.') return false;
    let skip = skipped.get(dir);
    if (skip === undefined) {
      const parent = treeParentOf(dir);
      const name = dir.slice(dir.lastIndexOf('/') + 1);
      // Helm templates are not YAML until rendered; their rendered output reaches planClaims separately.
      const parentIsChart =
        tree.entry(parent === '.' ? 'Chart.yaml' : `${parent}/Chart.yaml`)?.kind === 'file';
      skip = isSkipped(parent) || SKIPPED_DIRS.has(name) || (parentIsChart && name === 'templates');
      skipped.set(dir, skip);
    }
    return skip;
  };
  return tree
    .leaves()
    .filter(
      (path) =>
        tree.entry(path)?.kind === 'file' &&
        MANIFEST_FILE.test(path.slice(path.lastIndexOf('/') + 1)) &&
        !isSkipped(treeParentOf(path)),
    );
}

type ParsedObject = Omit<ScannedObject, 'file'>;

function parse(text: string): ParsedObject[] {
  let docs: ReturnType<typeof parseManifests>;
  try {
    docs = parseManifests(text);
  } catch (error) {
    // Invalid YAML is reported by the manifest checks; here it only means nothing to plan.
    if (error instanceof ManifestParseError) return [];
    throw error;
  }
  return docs
    .filter((d) => isRecord(d.value))
    .map((d) => ({
      object: d.value as Record<string, unknown>,
      line: d.line,
      ...(d.lineOf ? { lineOf: d.lineOf } : {}),
    }));
}

/** A file's first-pass verdict, by content alone: Crossplane objects, or whether it could hold a claim. */
type FirstPass = { objects: ParsedObject[] } | { apiVersion: boolean };

/** Per-blob results a process keeps between scans (content-addressed trees only). */
export interface ScanCaches {
  firstPass: LruCache<Memo<FirstPass | undefined>>;
  parsed: LruCache<ParsedObject[]>;
}

/** The scan's caches among a process's plan caches. */
export function scanCachesOf(caches: PlanCaches): ScanCaches {
  return {
    firstPass: caches.derivedCache<Memo<FirstPass | undefined>>('crossplane-first-pass'),
    parsed: caches.derivedCache<ParsedObject[]>('crossplane-parsed'),
  };
}

/**
 * Finds the Crossplane objects of a checkout: XRDs, Compositions, and the claims/XRs of the kinds
 * those XRDs define (even in files that never mention Crossplane). Two passes: files mentioning
 * Crossplane first, then files whose `apiVersion` is in a group an XRD defines. Every object of a
 * matching file is returned, in path order; files over `maxFileBytes` and unparseable files are skipped.
 */
export async function scanCrossplaneObjects(
  root: string | RevisionTree,
  o: { maxFileBytes?: number; caches?: ScanCaches } = {},
): Promise<ScannedObject[]> {
  const tree = typeof root === 'string' ? await openDirectoryTree(root) : root;
  const caches = tree.contentAddressed ? o.caches : undefined;
  const maxFileBytes = o.maxFileBytes ?? MAX_SCANNED_FILE_BYTES;
  const files = manifestFiles(tree);
  const text = async (path: string): Promise<string | undefined> => {
    const read = await tree.boundedText(path, maxFileBytes);
    return read !== undefined && 'text' in read ? read.text : undefined;
  };
  // Per blob, memoized: the two revisions of a plan ask for the same blobs at once.
  const firstPass = (path: string) =>
    memoIn(caches?.firstPass, tree.entry(path)?.id ?? '', () =>
      text(path).then((content): FirstPass | undefined => {
        if (content === undefined) return undefined;
        return CROSSPLANE_MARKERS.test(content)
          ? { objects: parse(content) }
          : { apiVersion: content.includes('apiVersion') };
      }),
    );
  const verdicts = await memoValues(files.map(firstPass));
  const found = new Map<string, ParsedObject[]>();
  const rest: string[] = [];
  const groups = new Set<string>();
  files.forEach((path, i) => {
    const verdict = verdicts[i];
    if (verdict === undefined) return;
    if (!('objects' in verdict)) {
      if (verdict.apiVersion) rest.push(path);
      return;
    }
    found.set(path, verdict.objects);
    for (const { object } of verdict.objects) {
      if (isXrdObject(object) && isRecord(object.spec) && typeof object.spec.group === 'string') {
        groups.add(object.spec.group);
      }
    }
  });
  if (groups.size > 0) {
    const apiVersionOfGroup = new RegExp(
      `["']?apiVersion["']?\\s*:\\s*["']?(?:${[...groups].map(escapeRegExp).join('|')})/`,
    );
    await Promise.all(
      rest.map(async (path) => {
        const content = await text(path);
        if (content === undefined || !apiVersionOfGroup.test(content)) return;
        const id = tree.entry(path)?.id ?? '';
        let objects = caches?.parsed.get(id);
        if (!objects) {
          objects = parse(content);
          caches?.parsed.set(id, objects);
        }
        found.set(path, objects);
      }),
    );
  }
  return files.flatMap((file) => (found.get(file) ?? []).map((object) => ({ ...object, file })));
}
