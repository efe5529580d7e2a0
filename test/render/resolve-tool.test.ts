import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTool, ToolNotFoundError } from '../../src/render/resolve-tool.ts';

const bundled = (name: string) => resolve(import.meta.dirname, '../../.tools/bin', name);

describe('resolveTool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-resolve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, 'my-helm');
  writeFileSync(fake, '#!/bin/sh\necho fake\n');
  chmodSync(fake, 0o755);
  const notExecutable = join(dir, 'plain');
  writeFileSync(notExecutable, 'data');

  it('prefers the environment override', () => {
    expect(resolveTool('helm', { MERGEPLANE_HELM: fake, PATH: '' })).toBe(fake);
    expect(resolveTool('kubectl', { MERGEPLANE_KUBECTL: fake, PATH: '' })).toBe(fake);
  });

  it.each([
    ['a missing file', join(dir, 'missing')],
    ['a file that is not executable', notExecutable],
    ['a directory', dir],
  ])('refuses an override that is %s, naming the variable', (_what, override) => {
    expect(() => resolveTool('helm', { MERGEPLANE_HELM: override, PATH: '' })).toThrow(ToolNotFoundError);
    expect(() => resolveTool('helm', { MERGEPLANE_HELM: override, PATH: '' })).toThrow(/MERGEPLANE_HELM/);
  });

  it('falls back to the project .tools/bin before PATH', () => {
    expect(resolveTool('helm', { PATH: dir })).toBe(bundled('helm'));
    expect(resolveTool('kubectl', { PATH: '' })).toBe(bundled('kubectl'));
  });
});
