import { describe, expect, it } from 'vitest';
import { destinationPermitted, resourceNotPermitted } from '../../src/kube/app-project-permits.ts';

const IN_CLUSTER = 'https://kubernetes.default.svc';

// Semantics from Argo CD's "Projects" guide: destinations match by server or name and namespace (globs, `!` denies);
// cluster-scoped kinds need clusterResourceWhitelist; namespaced kinds obey the namespace black/whitelists.
describe('AppProject permits, as Argo CD decides them', () => {
  it('matches a destination by server or by name, and by namespace glob', () => {
    const project = {
      destinations: [
        { server: IN_CLUSTER, namespace: 'team-*' },
        { name: 'prod-*', namespace: 'shop' },
      ],
    };
    expect(destinationPermitted(project, { server: IN_CLUSTER, namespace: 'team-a' })).toBe(true);
    expect(destinationPermitted(project, { server: IN_CLUSTER, namespace: 'kube-system' })).toBe(false);
    expect(destinationPermitted(project, { server: 'https://x', name: 'prod-eu', namespace: 'shop' })).toBe(
      true,
    );
    expect(destinationPermitted(project, { server: 'https://x', name: 'staging', namespace: 'shop' })).toBe(
      false,
    );
    expect(destinationPermitted({}, { server: IN_CLUSTER, namespace: 'shop' })).toBe(false);
  });

  it('lets a deny entry (`!`) exclude what another entry allows', () => {
    const project = {
      destinations: [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
    };
    expect(destinationPermitted(project, { server: IN_CLUSTER, namespace: 'shop' })).toBe(true);
    expect(destinationPermitted(project, { server: IN_CLUSTER, namespace: 'kube-system' })).toBe(false);
  });

  it('allows cluster-scoped kinds only through clusterResourceWhitelist', () => {
    const role = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false };
    expect(resourceNotPermitted({}, role)).toContain('does not allow the cluster-scoped kind');
    expect(
      resourceNotPermitted({ clusterResourceWhitelist: [{ group: '*', kind: '*' }] }, role),
    ).toBeUndefined();
    expect(
      resourceNotPermitted(
        {
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          clusterResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
        },
        role,
      ),
    ).toContain('denies');
    const namespace = { group: '', kind: 'Namespace', namespaced: false };
    expect(
      resourceNotPermitted({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }, namespace),
    ).toBeUndefined();
  });

  it('applies the namespaced blacklist, and the whitelist only when one is set', () => {
    const quota = { group: '', kind: 'ResourceQuota', namespaced: true };
    const cm = { group: '', kind: 'ConfigMap', namespaced: true };
    expect(resourceNotPermitted({}, cm)).toBeUndefined();
    expect(
      resourceNotPermitted({ namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }] }, quota),
    ).toContain('denies the kind ResourceQuota');
    const whitelist = { namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] };
    expect(resourceNotPermitted(whitelist, cm)).toContain('does not allow the kind ConfigMap');
    expect(
      resourceNotPermitted(whitelist, { group: 'apps', kind: 'Deployment', namespaced: true }),
    ).toBeUndefined();
  });
});
