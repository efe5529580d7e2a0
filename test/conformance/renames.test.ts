import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { applicationYaml, configMap, ORIGIN, planRepo } from './conformance-repo.ts';

/**
 * Issue 11, failure 4: renames are not destruction. Argo CD identifies an Application by namespace and name and a
 * resource by group, kind, namespace and name: a rename is a delete and a create to it. Without the
 * `resources-finalizer.argocd.argoproj.io` finalizer, deleting an Application leaves its resources in place
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/), so the new app adopts them unchanged.
 */
const app = (name: string, path: string, finalizer = false) =>
  applicationYaml(name, { repoURL: ORIGIN, path }, { namespace: 'web', finalizer });

const workload = (kind: string, extra = '') => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: db
spec:${extra}
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:16
          ports: [{containerPort: 5432}]
          env:
            - {name: PGDATA, value: /var/lib/postgresql/data/pgdata}
            - {name: POSTGRES_DB, value: app}
`;

describe('renames', () => {
  it('an Application renamed with unchanged output is one renamed app, not a removal and an addition', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web-old', 'web'), 'web/cm.yaml': configMap('settings', 'a') },
      { 'apps/web.yaml': app('web', 'web') },
    );
    expect(
      report.apps.filter((a) => a.status !== 'unchanged').map((a) => [a.name, a.status, a.renamedFrom]),
    ).toEqual([['web', 'renamed', 'web-old']]);
    expect(report.summary.apps).toMatchObject({ renamed: 1, removed: 0, added: 0 });
    const web = report.apps.find((a) => a.name === 'web')!;
    expect(web.resources).toEqual([]);
    expect(web.definition).toMatch(/^-\s+name: web-old$/m);
    expect(renderMarkdown(report)).toContain('Renamed from `web-old`');
  });

  it('with the resources finalizer the old app deletes its resources: removed and added stay', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web-old', 'web', true), 'web/cm.yaml': configMap('settings', 'a') },
      { 'apps/web.yaml': app('web', 'web', true) },
    );
    expect(report.apps.map((a) => [a.name, a.status]).sort()).toEqual([
      ['web', 'added'],
      ['web-old', 'removed'],
    ]);
  });

  it('a resource renamed with its content kept is shown as one pair; the delete still counts', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web', 'web'), 'web/cm.yaml': configMap('settings', 'a') },
      { 'web/cm.yaml': configMap('settings-v2', 'a') },
    );
    const web = report.apps.find((a) => a.name === 'web')!;
    const created = web.resources!.find((r) => r.action === 'create')!;
    expect(created.name).toBe('settings-v2');
    expect(created.pairedWith).toMatchObject({ kind: 'ConfigMap', name: 'settings', similarity: 100 });
    expect(created.diff).toMatch(/^-\s+name: settings$/m);
    expect(created.diff).toMatch(/^\+\s+name: settings-v2$/m);
    expect(created.diff).not.toMatch(/^[-+]\s+value:/m);
    expect(report.summary.resources).toMatchObject({ create: 1, delete: 1 });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('replaces `ConfigMap web/settings`');
    expect(markdown).not.toContain('**delete** `ConfigMap web/settings`');
  });

  it('a Deployment turned into a StatefulSet of the same name is paired, and deleting a PVC by rename still needs approval', async () => {
    const pvc = (name: string) =>
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${name}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 10Gi\n`;
    const report = await planRepo(
      {
        'apps/web.yaml': app('web', 'web'),
        'web/db.yaml': workload('Deployment'),
        'web/pvc.yaml': pvc('data'),
      },
      { 'web/db.yaml': workload('StatefulSet', '\n  serviceName: db'), 'web/pvc.yaml': pvc('data-v2') },
    );
    const resources = report.apps.find((a) => a.name === 'web')!.resources!;
    const statefulSet = resources.find((r) => r.kind === 'StatefulSet')!;
    expect(statefulSet.pairedWith).toMatchObject({ kind: 'Deployment', name: 'db' });
    expect(statefulSet.diff).toMatch(/^-kind: Deployment$/m);
    expect(statefulSet.diff).toMatch(/^\+kind: StatefulSet$/m);
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'destructive', status: 'needs-approval' }),
    );
  });

  it('a delete and a create with different content are not paired', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web', 'web'), 'web/cm.yaml': configMap('settings', 'alpha-beta-gamma') },
      { 'web/cm.yaml': null, 'web/db.yaml': workload('Deployment') },
    );
    const resources = report.apps.find((a) => a.name === 'web')!.resources!;
    expect(resources.every((r) => r.pairedWith === undefined)).toBe(true);
  });

  it('a moved Application file is shown as moved', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web', 'web'), 'web/cm.yaml': configMap('settings', 'a') },
      { 'apps/web.yaml': null, 'platform/web.yaml': app('web', 'web') },
    );
    const web = report.apps.find((a) => a.name === 'web')!;
    expect(web).toMatchObject({
      status: 'unchanged',
      movedFrom: 'apps/web.yaml',
      origin: 'platform/web.yaml',
    });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('Application file moved from `apps/web.yaml`');
    expect(markdown).not.toContain('No Argo CD applications are affected');
  });

  it('an Application file edited without changing its definition is said, not passed over', async () => {
    const report = await planRepo(
      { 'apps/web.yaml': app('web', 'web'), 'web/cm.yaml': configMap('settings', 'a') },
      { 'apps/web.yaml': `# owned by the web team\n${app('web', 'web')}` },
    );
    expect(report.apps.find((a) => a.name === 'web')).toMatchObject({
      status: 'unchanged',
      fileChanged: true,
    });
    expect(renderMarkdown(report)).toContain('1 Application file was edited without changing a definition');
  });
});
