import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';
import type { Application, ApplicationSource } from '../gitops/application.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { assertTreeInsideRoot } from './assert-inside-root.ts';
import { parseRenderedObjects } from './parse-rendered-objects.ts';
import type { RenderContext } from './render-context.ts';
import { RenderError, UnsupportedSourceError } from './render-error.ts';

const MANIFEST = /\.(ya?ml|json)$/;
const JSONNET = /\.(jsonnet|libsonnet)$/;

/** Argo CD's include/exclude: a glob, or a `{a,b}` list of globs, matched against the path in the app dir. */
function globMatcher(pattern: string | undefined): ((path: string) => boolean) | undefined {
  if (!pattern) return undefined;
  const match = picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
  return (path) => match(path);
}

async function listFiles(dir: string, recurse: boolean, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (recurse && !entry.name.startsWith('.')) out.push(...(await listFiles(dir, recurse, rel)));
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(rel);
    }
  }
  return out;
}

/** A plain directory of YAML/JSON manifests (`directory.recurse`, `include`, `exclude`). */
export async function renderDirectory(
  app: Application,
  source: ApplicationSource,
  ctx: RenderContext,
): Promise<KubeObject[]> {
  const path = posix.normalize(source.path ?? '.');
  await assertTreeInsideRoot(ctx.root, path, `application ${app.name}`);
  const include = globMatcher(source.directory?.include);
  const exclude = globMatcher(source.directory?.exclude);
  const dir = join(ctx.root, path);
  let files: string[];
  try {
    files = await listFiles(dir, source.directory?.recurse ?? false);
  } catch {
    throw new RenderError(`application ${app.name}: path ${path} does not exist in the repository`);
  }
  const objects: KubeObject[] = [];
  let bytes = 0;
  for (const file of files) {
    if (include && !include(file)) continue;
    if (exclude?.(file)) continue;
    if (JSONNET.test(file)) {
      throw new UnsupportedSourceError(
        `application ${app.name}: Jsonnet (${path}/${file}) is not supported`,
        {
          file: `${path}/${file}`,
        },
      );
    }
    if (!MANIFEST.test(file)) continue;
    const text = await readFile(join(dir, file), 'utf8');
    bytes += text.length;
    if (bytes > ctx.maxOutputBytes) {
      throw new RenderError(`application ${app.name}: manifests exceed ${ctx.maxOutputBytes} bytes`);
    }
    const repoFile = path === '.' ? file : `${path}/${file}`;
    objects.push(
      ...parseRenderedObjects(text, { label: `application ${app.name}: ${repoFile}`, file: repoFile }),
    );
  }
  return objects;
}
