import { parseAllDocuments } from 'yaml';

/** One request as the fake API server's `forbid` hook sees it. */
export interface RbacRequest {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Grant {
  /** undefined: cluster-wide (ClusterRole via ClusterRoleBinding). */
  namespace?: string;
  rules: PolicyRule[];
}

type Doc = {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef?: { kind: string; name: string };
};

function matches(list: readonly string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

/**
 * Evaluates Kubernetes RBAC (Roles, ClusterRoles and their bindings, as the API server does: union of
 * grants, no denies) for one ServiceAccount, from multi-document YAML — the Helm chart's rendered RBAC
 * (`chartRbacYaml()` of chart-rbac.ts). Tests hand `isAllowed` (negated) to the fake API server so the delivery
 * code runs with exactly the documented rights. `source` names the YAML in errors.
 */
export function loadRbacPolicy(
  yaml: string,
  subject: { namespace: string; name: string },
  source = 'the chart’s RBAC',
) {
  const docs = parseAllDocuments(yaml)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
  const roles = new Map<string, PolicyRule[]>();
  for (const doc of docs) {
    if (doc.kind === 'Role')
      roles.set(`Role/${doc.metadata?.namespace}/${doc.metadata?.name}`, doc.rules ?? []);
    if (doc.kind === 'ClusterRole') roles.set(`ClusterRole/${doc.metadata?.name}`, doc.rules ?? []);
  }
  const isSubject = (d: Doc) =>
    (d.subjects ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === subject.name && s.namespace === subject.namespace,
    );
  const grants: Grant[] = [];
  for (const doc of docs) {
    if (!isSubject(doc) || doc.roleRef === undefined) continue;
    if (doc.kind === 'ClusterRoleBinding') {
      grants.push({ rules: roles.get(`ClusterRole/${doc.roleRef.name}`) ?? [] });
    } else if (doc.kind === 'RoleBinding') {
      const namespace = doc.metadata?.namespace;
      const key =
        doc.roleRef.kind === 'ClusterRole'
          ? `ClusterRole/${doc.roleRef.name}`
          : `Role/${namespace}/${doc.roleRef.name}`;
      grants.push({ ...(namespace === undefined ? {} : { namespace }), rules: roles.get(key) ?? [] });
    }
  }
  if (grants.length === 0)
    throw new Error(`${source}: no binding grants anything to ${subject.namespace}/${subject.name}`);

  const denied: RbacRequest[] = [];
  return {
    /** Every request refused so far: a test asserts it is empty after a run that should have all it needs. */
    denied,
    isAllowed(request: RbacRequest): boolean {
      const allowed = grants.some(
        (grant) =>
          (grant.namespace === undefined || grant.namespace === request.namespace) &&
          grant.rules.some(
            (rule) =>
              matches(rule.apiGroups, request.group) &&
              matches(rule.resources, request.resource) &&
              matches(rule.verbs, request.verb) &&
              (rule.resourceNames === undefined ||
                (request.name !== undefined && rule.resourceNames.includes(request.name))),
          ),
      );
      if (!allowed) denied.push(request);
      return allowed;
    },
  };
}
