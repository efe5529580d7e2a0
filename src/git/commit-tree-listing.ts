import { spawn } from 'node:child_process';
import type { RevisionEntry } from '../model/revision-tree.ts';
import { GIT_ENV, GitCommandError, git } from './git-repository.ts';

const SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

/** A path component git would never check out (`git fsck` refuses them; a tree written by hand may hold them). */
function isUnsafeComponent(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.toLowerCase() === '.git';
}

function isUnsafePath(path: string): boolean {
  return path.split('/').some(isUnsafeComponent);
}

function kindOf(mode: string): RevisionEntry['kind'] {
  if (mode === '040000') return 'dir';
  if (mode === '120000') return 'symlink';
  if (mode === '100644' || mode === '100755' || mode === '100664') return 'file';
  return 'other';
}

function entryOf(mode: string, id: string, size: number | undefined): RevisionEntry {
  return {
    kind: kindOf(mode),
    id,
    ...(size !== undefined ? { size } : {}),
    ...(mode === '100755' ? { executable: true } : {}),
  };
}

/** Parses `git ls-tree -r -t -l -z --full-tree` output; entries under an unsafe component are left out. */
export function parseTreeListing(output: string): Map<string, RevisionEntry> {
  const entries = new Map<string, RevisionEntry>();
  entries.set('.', { kind: 'dir', id: 'root' });
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf('\0', start);
    if (end < 0) end = output.length;
    const record = output.slice(start, end);
    start = end + 1;
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', , id = '', size = '-'] = record.slice(0, tab).split(/ +/);
    const path = record.slice(tab + 1);
    if (isUnsafePath(path)) continue;
    entries.set(path, entryOf(mode, id, size !== '-' ? Number(size) : undefined));
  }
  return entries;
}

/** Lists every path of a commit's tree with its object id and size (one `git ls-tree`, no checkout). */
export function listCommitTree(repoDir: string, sha: string): Promise<Map<string, RevisionEntry>> {
  if (!SHA.test(sha)) return Promise.reject(new GitCommandError(['ls-tree', sha], undefined, 'not a SHA'));
  return git(repoDir, ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', sha]).then(parseTreeListing);
}

/** One path `git diff-tree --raw` reports: gone (`mode` 000000) or its new mode and object id. */
export interface TreeChange {
  path: string;
  mode: string;
  id: string;
}

/** Parses `git diff-tree -r -t -z --raw` output (`:old new oldid newid S\0path\0`, no renames). */
export function parseTreeChanges(output: string): TreeChange[] {
  const fields = output.split('\0');
  const changes: TreeChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [, mode = '', , id = ''] = fields[i]!.slice(1).split(' ');
    changes.push({ path: fields[i + 1]!, mode, id });
  }
  return changes;
}

/** Sizes of objects by id, from one `git cat-file --batch-check` (ids go in on stdin, never as arguments). */
function objectSizes(repoDir: string, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return Promise.resolve(new Map());
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch-check'], {
      cwd: repoDir,
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new GitCommandError(['cat-file', '--batch-check'], code ?? undefined, 'failed'));
        return;
      }
      const sizes = new Map<string, number>();
      for (const line of out.split('\n')) {
        const [id, type, size] = line.split(' ');
        if (id && type !== 'missing' && size !== undefined) sizes.set(id, Number(size));
      }
      resolve(sizes);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${ids.join('\n')}\n`);
  });
}

/**
 * Lists a commit's tree from the listing of another commit of the same repository and the difference between
 * them (`git diff-tree`): a push that changes a few files costs a few entries, not the whole repository. The
 * result equals `listCommitTree(repoDir, sha)`.
 */
export async function listCommitTreeFrom(
  repoDir: string,
  sha: string,
  known: { sha: string; entries: ReadonlyMap<string, RevisionEntry> },
): Promise<Map<string, RevisionEntry>> {
  if (!SHA.test(sha) || !SHA.test(known.sha))
    throw new GitCommandError(['diff-tree', known.sha, sha], undefined, 'not a SHA');
  const output = await git(repoDir, ['diff-tree', '-r', '-t', '-z', '--raw', '--no-renames', known.sha, sha]);
  const changes = parseTreeChanges(output).filter((change) => !isUnsafePath(change.path));
  const blobIds = changes.filter((c) => c.mode !== '000000' && c.mode !== '040000' && c.mode !== '160000');
  const sizes = await objectSizes(
    repoDir,
    blobIds.map((c) => c.id),
  );
  const entries = new Map(known.entries);
  // Deletions first: a path whose type changed (a file become a directory) is reported gone and added.
  for (const change of changes) if (change.mode === '000000') entries.delete(change.path);
  for (const change of changes) {
    if (change.mode !== '000000')
      entries.set(change.path, entryOf(change.mode, change.id, sizes.get(change.id)));
  }
  return entries;
}
