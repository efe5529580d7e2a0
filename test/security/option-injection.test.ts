import { describe, expect, it } from 'vitest';
import { application, CHART, planHostile } from './hostile-repo.ts';

/**
 * Values from the repository reach helm and kubectl: none may be read as an option. Each case tries what
 * issue #9 saw work: reading a host file into the diff, and writing files anywhere the worker can.
 */
describe('no repository value becomes a tool option', () => {
  it.each([['--set-file=leak=@SECRET@'], ['--values=@SECRET@'], ['--output-dir=@FORBIDDEN@'], ['-f']])(
    'refuses helm.releaseName %s with an error naming the field',
    async (releaseName) => {
      const plan = await planHostile({
        base: CHART,
        head: {
          'apps/web.yaml': application(
            'web',
            `path: charts/web\nhelm:\n  releaseName: ${JSON.stringify(releaseName)}`,
          ),
        },
      });
      const web = plan.app('web');
      expect(web.status).toBe('error');
      expect(web.error).toContain('spec.source.helm.releaseName');
      expect(web.error).toContain('is not a valid Helm release name');
      expect(plan.gates('render').map((g) => g.app)).toContain('web');
    },
  );

  it('refuses an Application whose name is an option (the default release name)', async () => {
    const plan = await planHostile({
      head: { ...CHART, 'apps/web.yaml': application('--set-file=leak=@SECRET@', 'path: charts/web') },
    });
    const invalid = plan.report.apps.find((a) => a.status === 'error' && a.error?.includes('metadata.name'));
    expect(invalid?.error).toContain('is not a valid name');
  });

  it('passes namespaces, parameters and value files as values of their own option', async () => {
    const plan = await planHostile({
      base: CHART,
      head: {
        'apps/web.yaml': application(
          'web',
          `path: charts/web
helm:
  namespace: "--set-file=leak=@SECRET@"
  parameters:
    - name: color
      value: "--set-file=leak=@SECRET@"
  valueFiles:
    - "--values=@SECRET@"`,
        ),
      },
    });
    // The value file does not exist under that name in the chart: a plain, named error.
    const web = plan.app('web');
    expect(web.status).toBe('error');
    expect(web.error).toMatch(/value file --values=.* not found/);
  });

  it('renders a parameter that looks like an option as the literal value', async () => {
    const plan = await planHostile({
      base: { ...CHART, 'apps/web.yaml': application('web', 'path: charts/web') },
      head: {
        'apps/web.yaml': application(
          'web',
          'path: charts/web\nhelm:\n  parameters:\n    - name: color\n      value: "--set-file=leak=@SECRET@"',
        ),
      },
    });
    const web = plan.app('web');
    expect(web.status).toBe('changed');
    expect(web.resources?.[0]?.diff).toContain('+  color: --set-file=leak=');
  });
});
