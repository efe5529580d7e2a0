import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { objectSource, setObjectSource } from '../../src/model/object-source.ts';
import { RenderCache } from '../../src/plan/render-cache.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('RenderCache on disk', () => {
  it('keeps the source file and line of each object, outside the object itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mergeplane-render-cache-'));
    dirs.push(dir);
    const located: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
    const unlocated: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } };
    setObjectSource(located, { file: 'apps/web/config.yaml', line: 4 });
    const key = RenderCache.key({ test: 1 });
    await new RenderCache({ dir }).set(key, { sourceType: 'directory', objects: [located, unlocated] });

    const read = await new RenderCache({ dir }).get(key);
    expect(read?.objects).toEqual([located, unlocated]);
    expect(read?.objects.map((o) => objectSource(o))).toEqual([
      { file: 'apps/web/config.yaml', line: 4 },
      undefined,
    ]);
  });
});
