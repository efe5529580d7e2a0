import { describe, expect, it } from 'vitest';
import { application, CHART, planHostile } from './hostile-repo.ts';

const XRD_HEAD = `apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xbombs.example.org
spec:
  group: example.org`;

/** `&a` holding `size` bytes, referenced `refs` times: the shape issue #9 used to make a 301 MB comment. */
function aliasBomb(header: string, size: number, refs: number): string {
  const lines = [header, `  big: &big "${'A'.repeat(size)}"`];
  for (let i = 0; i < refs; i++) lines.push(`  k${i}: *big`);
  return `${lines.join('\n')}\n`;
}

/** Exponential: each level references the previous one ten times ("billion laughs"). */
function laughs(header: string, levels: number): string {
  const lines = [header, '  l0: &l0 "lol"'];
  for (let i = 1; i <= levels; i++) {
    lines.push(`  l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const CM_HEADER = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:';
const BOMB_APP = { 'apps/bomb.yaml': application('bomb', 'path: bomb') };

describe('every render and parse is bounded', () => {
  it('stops a helm render that allocates past render.maxMemoryBytes, naming the limit', async () => {
    const plan = await planHostile({
      config: 'render:\n  maxMemoryBytes: 268435456\n',
      base: { ...CHART, 'apps/web.yaml': application('web', 'path: charts/web') },
      head: {
        // A 100-million-element list: gigabytes inside helm, nothing on its output until it finishes.
        'charts/web/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  n: {{ until 100000000 | len | quote }}\n',
      },
    });
    const web = plan.app('web');
    expect(web.status).toBe('error');
    expect(web.error).toContain(
      'helm template exceeded the memory limit of 268435456 bytes (render.maxMemoryBytes)',
    );
  });

  it('kills a render that passes render.timeoutSeconds', async () => {
    const plan = await planHostile({
      config: 'render:\n  timeoutSeconds: 1\n',
      base: { ...CHART, 'apps/web.yaml': application('web', 'path: charts/web') },
      head: {
        'charts/web/templates/cm.yaml':
          '{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      },
    });
    expect(plan.app('web').error).toContain('helm template timed out after 1s');
  });

  it('fails the app whose manifest expands past the YAML limit; the rest of the plan completes', async () => {
    const plan = await planHostile({
      base: { ...BOMB_APP, 'bomb/cm.yaml': `${CM_HEADER}\n  a: "1"\n` },
      head: { 'bomb/cm.yaml': aliasBomb(CM_HEADER, 1024 * 1024, 300) },
    });
    const bomb = plan.app('bomb');
    expect(bomb.status).toBe('error');
    expect(bomb.error).toMatch(/YAML expands to more than \d+ bytes/);
    expect(plan.markdown.length).toBeLessThan(100_000);
  });

  it('bounds exponential aliasing (billion laughs) the same way', async () => {
    const plan = await planHostile({
      base: { ...BOMB_APP, 'bomb/cm.yaml': `${CM_HEADER}\n  a: "1"\n` },
      head: { 'bomb/cm.yaml': laughs(CM_HEADER, 9) },
    });
    expect(plan.app('bomb').error).toMatch(/YAML (expands to more than|has more than \d+ aliases)/);
  });

  it('makes an alias bomb in a file that declares an Application that file’s error', async () => {
    const plan = await planHostile({
      head: {
        'apps/bomb.yaml': aliasBomb(
          'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: bomb\n  namespace: argocd\nspec:',
          1024 * 1024,
          300,
        ),
      },
    });
    const manifests = plan.gates('manifests');
    expect(manifests.map((g) => g.file)).toContain('apps/bomb.yaml');
    expect(manifests.find((g) => g.file === 'apps/bomb.yaml')?.message).toMatch(/expands to more than/);
  });

  it('survives an alias bomb in a Crossplane XRD', async () => {
    const plan = await planHostile({
      head: { 'platform/xrd.yaml': aliasBomb(`${XRD_HEAD}\n  bomb:`, 1024 * 1024, 300) },
    });
    expect(plan.report.claims).toEqual([]);
  });

  it('skips a changed file above discovery.maxFileBytes and names it for approval', async () => {
    const plan = await planHostile({
      config: 'discovery:\n  maxFileBytes: 4096\n',
      head: { 'apps/huge.yaml': `${application('huge', 'path: good')}# ${'x'.repeat(8192)}\n` },
    });
    const unsupported = plan.gates('unsupported');
    expect(unsupported).toEqual([
      expect.objectContaining({ status: 'needs-approval', file: 'apps/huge.yaml' }),
    ]);
    expect(unsupported[0]?.message).toContain('discovery.maxFileBytes (4096)');
    expect(plan.report.apps.map((a) => a.name)).not.toContain('huge');
  });
});
