import { posix } from 'node:path';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import type { TreeIndex } from '../plan/tree-index.ts';

/** What one `dirPath` may hold: the function reads it into memory, and so does the plan. */
const MAX_FILES = 200;
const MAX_BYTES = 1024 * 1024;

const hidden = (relative: string) => relative.split('/').some((segment) => segment.startsWith('.'));

/** fs.WalkDir's order: entries of a folder by name, a subfolder's contents where its name sorts. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The templates function-go-templating reads for each mapped `dirPath` (`crossplane.goTemplatingDirs`), from one
 * revision: every file under the repository folder, hidden files and folders skipped, in fs.WalkDir's order, each
 * followed by `---` as the function joins them. A folder missing, empty or too large is a `config` finding naming it.
 */
export async function readGoTemplatingDirs(
  index: TreeIndex,
  dirs: Readonly<Record<string, string>>,
): Promise<{ templateDirs: Map<string, string>; findings: GateFinding[] }> {
  const templateDirs = new Map<string, string>();
  const findings: GateFinding[] = [];
  const fail = (dirPath: string, folder: string, why: string) =>
    findings.push({
      id: 'config',
      message: `crossplane.goTemplatingDirs[${dirPath}]: ${folder} ${why}`,
      file: '.github/mergeplane.yml',
    });
  for (const [dirPath, folder] of Object.entries(dirs)) {
    const root = posix.normalize(folder).replace(/\/+$/, '');
    const files = (await index.filesUnder(root))
      .filter((file) => !hidden(posix.relative(root, file)))
      .sort(walkOrder);
    if (files.length === 0) {
      fail(dirPath, folder, 'holds no template files at this revision');
      continue;
    }
    if (files.length > MAX_FILES) {
      fail(dirPath, folder, `holds more than ${MAX_FILES} files`);
      continue;
    }
    let text = '';
    for (const file of files) {
      const content = await index.text(file);
      if (content === undefined) continue;
      text += `${content}\n---\n`;
      if (text.length > MAX_BYTES) break;
    }
    if (text.length > MAX_BYTES) fail(dirPath, folder, `holds more than ${MAX_BYTES} bytes of templates`);
    else templateDirs.set(dirPath, text);
  }
  return { templateDirs, findings };
}
