import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../model/kube-object.ts';
import { matchesArgoGlob } from './argo-glob.ts';
import { parseRendered } from './parse-rendered.ts';
import { RenderError, UnsupportedSourceError } from './render-error.ts';
import type { SourceJob } from './source-job.ts';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
const JSONNET_FILE = /\.jsonnet$/i;

/**
 * A plain directory source as Argo CD renders it: YAML/JSON files of the path (subdirectories with
 * `directory.recurse`), filtered by `include`/`exclude` globs on the path relative to the source, in walk order.
 */
export async function renderDirectory(job: SourceJob, dir: string): Promise<KubeObject[]> {
  const options = job.source.directory ?? {};
  const walked = await job.files.walk(dir, { recurse: options.recurse === true });
  const objects: KubeObject[] = [];
  let bytes = 0;
  for (const file of walked) {
    const name = file.rel.slice(file.rel.lastIndexOf('/') + 1);
    const isJsonnet = JSONNET_FILE.test(name);
    if (!isJsonnet && !MANIFEST_FILE.test(name)) continue;
    if (options.exclude && matchesArgoGlob(options.exclude, file.rel)) continue;
    if (options.include && !matchesArgoGlob(options.include, file.rel)) continue;
    const repoRel = dir === '.' ? file.rel : `${dir}/${file.rel}`;
    if (isJsonnet) {
      throw new UnsupportedSourceError(
        `${job.where}: ${repoRel}: jsonnet is not supported; exclude it with directory.exclude or render it to YAML`,
        { file: repoRel },
      );
    }
    const text = await readFile(file.real, 'utf8');
    bytes += Buffer.byteLength(text);
    if (bytes > job.ctx.maxOutputBytes) {
      throw new RenderError(
        `${job.where}: manifests exceed the limit of ${job.ctx.maxOutputBytes} bytes (render.maxOutputBytes)`,
        { file: repoRel },
      );
    }
    objects.push(...parseRendered(text, { where: job.where, file: repoRel }));
  }
  return objects;
}
