import { describe, expect, it } from 'vitest';
import { CHART_RBAC_SUBJECT, chartRbacYaml } from './chart-rbac.ts';
import { loadRbacPolicy } from './rbac-policy.ts';

const SA = CHART_RBAC_SUBJECT;

describe('the chart’s RBAC (deploy/rbac.yaml) as evaluated for the mergeplane ServiceAccount', () => {
  const policy = loadRbacPolicy(chartRbacYaml(), SA);

  it('lets delivery patch and watch Applications only in the Argo CD namespace', () => {
    const app = { group: 'argoproj.io', resource: 'applications', namespace: 'argocd' };
    for (const verb of ['get', 'list', 'watch', 'patch'])
      expect(policy.isAllowed({ ...app, verb })).toBe(true);
    expect(policy.isAllowed({ ...app, verb: 'delete' })).toBe(false);
    expect(policy.isAllowed({ ...app, verb: 'patch', namespace: 'default' })).toBe(false);
  });

  it('lets it write cluster Secrets in the Argo CD namespace and read connection Secrets of cluster claims only', () => {
    const secret = { group: '', resource: 'secrets' };
    expect(policy.isAllowed({ ...secret, verb: 'create', namespace: 'argocd' })).toBe(true);
    expect(policy.isAllowed({ ...secret, verb: 'get', namespace: 'platform' })).toBe(true);
    expect(policy.isAllowed({ ...secret, verb: 'patch', namespace: 'platform' })).toBe(false);
    expect(policy.isAllowed({ ...secret, verb: 'get', namespace: 'kube-system' })).toBe(false);
    expect(policy.isAllowed({ ...secret, verb: 'list' })).toBe(false);
  });

  it('lets it apply, watch and delete claims, but never update or delete them wholesale', () => {
    const claim = { group: 'platform.mergeplane.io', resource: 'kubernetesclusters', namespace: 'platform' };
    for (const verb of ['get', 'list', 'watch', 'create', 'patch', 'delete']) {
      expect(policy.isAllowed({ ...claim, verb })).toBe(true);
    }
    expect(policy.isAllowed({ ...claim, verb: 'update' })).toBe(false);
    expect(policy.isAllowed({ ...claim, verb: 'deletecollection' })).toBe(false);
  });

  it('lets a plan read (get only) the kinds apps deploy in Argo CD’s cluster, and its projects, never Secrets', () => {
    for (const resource of ['configmaps', 'services']) {
      expect(policy.isAllowed({ verb: 'get', group: '', resource, namespace: 'shop' })).toBe(true);
      expect(policy.isAllowed({ verb: 'list', group: '', resource, namespace: 'shop' })).toBe(false);
      expect(policy.isAllowed({ verb: 'patch', group: '', resource, namespace: 'shop' })).toBe(false);
    }
    expect(policy.isAllowed({ verb: 'get', group: 'apps', resource: 'deployments', namespace: 'shop' })).toBe(
      true,
    );
    expect(policy.isAllowed({ verb: 'get', group: '', resource: 'secrets', namespace: 'shop' })).toBe(false);
    const project = { group: 'argoproj.io', resource: 'appprojects' };
    expect(policy.isAllowed({ ...project, verb: 'get', namespace: 'argocd' })).toBe(true);
    expect(policy.isAllowed({ ...project, verb: 'patch', namespace: 'argocd' })).toBe(false);
  });

  it('records what it refused', () => {
    const fresh = loadRbacPolicy(chartRbacYaml(), SA);
    fresh.isAllowed({ verb: 'get', group: '', resource: 'nodes' });
    expect(fresh.denied).toEqual([{ verb: 'get', group: '', resource: 'nodes' }]);
  });

  it('grants nothing to another ServiceAccount', () => {
    expect(() => loadRbacPolicy(chartRbacYaml(), { namespace: 'default', name: 'default' })).toThrow(
      /no binding/,
    );
  });
});
