import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isRecord } from '../model/kube-object.ts';

const REF_KEYS = ['$ref', '$dynamicRef', '$recursiveRef'];
const KNOWN_META_SCHEMA = /^https?:\/\/json-schema\.org\//;

/** The first reference in a JSON schema that would make helm load another document (a host file or a URL). */
export function externalSchemaRef(schema: unknown): string | undefined {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (REF_KEYS.includes(key) && typeof value === 'string' && !value.startsWith('#')) return value;
        if (key === '$schema' && typeof value === 'string' && !KNOWN_META_SCHEMA.test(value)) return value;
        if (typeof value === 'object') stack.push(value);
      }
    }
  }
  return undefined;
}

function schemaProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // helm reports invalid JSON itself
  }
  return externalSchemaRef(parsed) !== undefined ? 'refers to an external schema' : undefined;
}

/** Walks a (gzipped) tar archive's regular files; nested chart archives are opened too. */
function* tarFiles(archive: Buffer, prefix: string): Generator<{ name: string; data: Buffer }> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: 256 * 1024 * 1024 });
  } catch {
    return;
  }
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const ustarPrefix = field(345, 155);
    const name = longName ?? (ustarPrefix ? `${ustarPrefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
      continue;
    }
    if (type !== '0' && type !== '' && type !== '\0') continue;
    if (name.endsWith('.tgz')) yield* tarFiles(data, `${prefix}${name}!/`);
    else yield { name: `${prefix}${name}`, data };
  }
}

/**
 * Finds a `values.schema.json` under `dir` (including inside vendored chart archives) whose `$ref`/`$schema`
 * points at another document: helm would load it — a host file or a URL — while validating values.
 * Returns the offending path relative to `dir`.
 */
export async function findUnsafeHelmSchema(dir: string): Promise<string | undefined> {
  const visit = async (current: string): Promise<string | undefined> => {
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        const found = await visit(path);
        if (found) return found;
      } else if (entry.isFile() && entry.name === 'values.schema.json') {
        if (schemaProblem(await readFile(path, 'utf8'))) return relative(dir, path);
      } else if (entry.isFile() && (entry.name.endsWith('.tgz') || entry.name.endsWith('.tar.gz'))) {
        for (const file of tarFiles(await readFile(path), `${relative(dir, path)}!/`)) {
          if (file.name.endsWith('values.schema.json') && schemaProblem(file.data.toString('utf8')))
            return file.name;
        }
      }
    }
    return undefined;
  };
  return visit(dir);
}
