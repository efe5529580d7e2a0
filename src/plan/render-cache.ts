import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../model/kube-object.ts';
import { type ObjectSource, objectSource, setObjectSource } from '../model/object-source.ts';
import type { SourceType } from '../model/plan-report.ts';

export interface CachedRender {
  sourceType: SourceType;
  objects: KubeObject[];
}

/** Bump when the stored shape or the renderers' semantics change, so old entries are never reused. */
const CACHE_FORMAT = 2;

/** The stored shape: the render plus each object's source file and line (kept beside the objects, not in them). */
interface StoredRender extends CachedRender {
  sources?: (ObjectSource | null)[];
}

/**
 * Content-addressed store of successful renders. The key covers everything a render reads
 * (input file digests, the app's render options, tool versions), so an entry is valid for any
 * revision with the same inputs — the base side of a PR is usually a hit on the second run.
 */
export class RenderCache {
  private readonly dir: string | undefined;
  private readonly memory = new Map<string, CachedRender>();

  /** Without `dir` the cache lives for this process only. */
  constructor(options: { dir?: string }) {
    this.dir = options.dir;
  }

  static key(parts: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify({ format: CACHE_FORMAT, parts }))
      .digest('hex');
  }

  async get(key: string): Promise<CachedRender | undefined> {
    const hit = this.memory.get(key);
    if (hit) return hit;
    if (!this.dir) return undefined;
    try {
      const { sources, ...value } = JSON.parse(await readFile(this.path(key), 'utf8')) as StoredRender;
      sources?.forEach((source, i) => {
        const object = value.objects[i];
        if (source && object) setObjectSource(object, source);
      });
      this.memory.set(key, value);
      return value;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedRender): Promise<void> {
    this.memory.set(key, value);
    if (!this.dir) return;
    const path = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    // Write-then-rename: concurrent plans sharing the cache never read a torn entry.
    const temp = `${path}.${randomUUID()}.tmp`;
    const stored: StoredRender = { ...value, sources: value.objects.map((o) => objectSource(o) ?? null) };
    await writeFile(temp, JSON.stringify(stored));
    await rename(temp, path);
  }

  private path(key: string): string {
    return join(this.dir!, key.slice(0, 2), `${key}.json`);
  }
}
