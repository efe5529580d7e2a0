import { createHash } from 'node:crypto';
import { stringMap } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';

export const CLUSTER_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'mergeplane';
/** Points from the cluster Secret back at the claim it was made from (`apiVersion/kind namespace/name`). */
export const CLAIM_ANNOTATION = 'mergeplane.io/claim';

export type KubeconfigProblem =
  | 'invalid-yaml'
  | 'no-context'
  | 'no-cluster'
  | 'no-server'
  | 'unsupported-auth'
  | 'no-credentials';

/**
 * The connection secret's kubeconfig cannot become an Argo CD cluster: the message names the problem
 * (a missing context, exec-based auth...) and never quotes the kubeconfig.
 */
export class ClusterKubeconfigError extends Error {
  override readonly name = 'ClusterKubeconfigError';
  readonly problem: KubeconfigProblem;
  constructor(problem: KubeconfigProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** Argo CD's cluster `config` (the JSON in the Secret's `config` key). Holds credentials: never log it. */
export interface ArgoCdClusterConfig {
  bearerToken?: string;
  username?: string;
  password?: string;
  tlsClientConfig: {
    insecure: boolean;
    caData?: string;
    certData?: string;
    keyData?: string;
    serverName?: string;
  };
}

export interface ClusterSecretInput {
  kubeconfigYaml: string;
  clusterName: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  claim: { apiVersion: string; kind: string; namespace?: string; name: string };
}

export interface ClusterSecret {
  /** The Secret to apply; `data` holds credentials. */
  secret: {
    apiVersion: 'v1';
    kind: 'Secret';
    metadata: {
      name: string;
      namespace: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    type: 'Opaque';
    data: { name: string; server: string; config: string };
  };
  name: string;
  server: string;
  /** Which kind of credential the config carries (for logs): never the credential itself. */
  auth: 'token' | 'client-certificate' | 'basic';
}

/**
 * Deterministic Secret name for a cluster: `cluster-<name>` as a DNS label. When the name had to change to fit
 * (case, characters, length), a short hash of the original keeps distinct names distinct.
 */
export function clusterSecretName(clusterName: string): string {
  const sanitized = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const base = `cluster-${sanitized || 'unnamed'}`;
  if (sanitized === clusterName && base.length <= 63) return base;
  const hash = createHash('sha256').update(clusterName).digest('hex').slice(0, 8);
  return `${base.slice(0, 54).replace(/-$/, '')}-${hash}`;
}

function named(list: unknown, name: string, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    if (isRecord(entry) && entry.name === name && isRecord(entry[field])) return entry[field];
  }
  return undefined;
}

function str(value: Record<string, unknown>, key: string): string | undefined {
  const entry = value[key];
  return typeof entry === 'string' && entry !== '' ? entry : undefined;
}

/** The kubeconfig's current context (or its only one), as a record. */
function currentContext(doc: Record<string, unknown>): {
  contextName: string;
  context: Record<string, unknown>;
} {
  const contexts = Array.isArray(doc.contexts) ? doc.contexts : [];
  let contextName = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  if (
    contextName === '' &&
    contexts.length === 1 &&
    isRecord(contexts[0]) &&
    typeof contexts[0].name === 'string'
  ) {
    contextName = contexts[0].name;
  }
  if (contextName === '') {
    throw new ClusterKubeconfigError('no-context', 'the kubeconfig has no current-context');
  }
  const context = named(contexts, contextName, 'context');
  if (!context)
    throw new ClusterKubeconfigError('no-context', `the kubeconfig does not define context "${contextName}"`);
  return { contextName, context };
}

/** The context's cluster: its server and the TLS settings Argo CD needs inline (CA data, not a CA file). */
function clusterOf(
  doc: Record<string, unknown>,
  contextName: string,
  context: Record<string, unknown>,
): { server: string; tlsClientConfig: ArgoCdClusterConfig['tlsClientConfig'] } {
  const clusterRef = str(context, 'cluster');
  const cluster = clusterRef ? named(doc.clusters, clusterRef, 'cluster') : undefined;
  if (!cluster) {
    throw new ClusterKubeconfigError(
      'no-cluster',
      `context "${contextName}" names no cluster the kubeconfig defines`,
    );
  }
  const server = str(cluster, 'server');
  if (!server) throw new ClusterKubeconfigError('no-server', `cluster "${clusterRef}" has no server`);
  if (str(cluster, 'certificate-authority') && !str(cluster, 'certificate-authority-data')) {
    throw new ClusterKubeconfigError(
      'unsupported-auth',
      `cluster "${clusterRef}" names a CA file (certificate-authority); Argo CD needs certificate-authority-data`,
    );
  }
  const tlsClientConfig: ArgoCdClusterConfig['tlsClientConfig'] = {
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
  const caData = str(cluster, 'certificate-authority-data');
  if (caData) tlsClientConfig.caData = caData;
  const serverName = str(cluster, 'tls-server-name');
  if (serverName) tlsClientConfig.serverName = serverName;
  return { server, tlsClientConfig };
}

/**
 * The context's user as Argo CD credentials: a bearer token, client certificate data and key, or basic auth.
 * Credential plugins and files cannot work inside Argo CD and are refused.
 */
function credentialsOf(
  doc: Record<string, unknown>,
  context: Record<string, unknown>,
  tlsClientConfig: ArgoCdClusterConfig['tlsClientConfig'],
): { config: ArgoCdClusterConfig; auth: ClusterSecret['auth'] } {
  const userRef = str(context, 'user');
  const user = userRef ? (named(doc.users, userRef, 'user') ?? {}) : {};
  const present = (key: string) => user[key] !== undefined && user[key] !== null;
  for (const plugin of ['exec', 'auth-provider']) {
    if (present(plugin)) {
      throw new ClusterKubeconfigError(
        'unsupported-auth',
        `user "${userRef}" authenticates with "${plugin}", which cannot be registered in Argo CD (the credential plugin would have to run inside Argo CD); write a token or client certificate data into the connection secret`,
      );
    }
  }
  const token = str(user, 'token');
  const certData = str(user, 'client-certificate-data');
  const keyData = str(user, 'client-key-data');
  // File paths mean nothing inside Argo CD; they only matter when no inline credential replaces them.
  const files = [
    ...(present('tokenFile') && !token ? ['tokenFile'] : []),
    ...(present('client-certificate') && !certData ? ['client-certificate'] : []),
    ...(present('client-key') && !keyData ? ['client-key'] : []),
  ];
  if (files.length > 0 && !token) {
    throw new ClusterKubeconfigError(
      'unsupported-auth',
      `user "${userRef}" reads credentials from files (${files.join(', ')}), which Argo CD cannot read; write a token or client certificate data into the connection secret`,
    );
  }
  const config: ArgoCdClusterConfig = { tlsClientConfig };
  let auth: ClusterSecret['auth'];
  const username = str(user, 'username');
  const password = str(user, 'password');
  if (token) {
    config.bearerToken = token;
    auth = 'token';
  } else if (certData && keyData) {
    auth = 'client-certificate';
  } else if (username && password) {
    config.username = username;
    config.password = password;
    auth = 'basic';
  } else {
    throw new ClusterKubeconfigError(
      'no-credentials',
      `user "${userRef ?? ''}" has no token, client certificate data with key, or username and password`,
    );
  }
  if (certData && keyData) {
    tlsClientConfig.certData = certData;
    tlsClientConfig.keyData = keyData;
  }
  return { config, auth };
}

/**
 * Builds the Argo CD cluster Secret (`argocd.argoproj.io/secret-type: cluster`) for the current context of a
 * kubeconfig: the cluster's server, CA data and insecure flag, the user's bearer token, client certificate and
 * key, or basic auth. Auth that needs a local program or file (exec, auth-provider, *-file paths) cannot work
 * inside Argo CD and is refused with a typed error.
 */
export function buildArgoCdClusterSecret(input: ClusterSecretInput): ClusterSecret {
  let doc: unknown;
  try {
    doc = parseYamlValue(input.kubeconfigYaml);
  } catch {
    // The parser's message quotes the broken line, which may hold a token.
    throw new ClusterKubeconfigError('invalid-yaml', 'the kubeconfig is not valid YAML');
  }
  if (!isRecord(doc))
    throw new ClusterKubeconfigError('invalid-yaml', 'the kubeconfig is not a YAML mapping');
  const { contextName, context } = currentContext(doc);
  const { server, tlsClientConfig } = clusterOf(doc, contextName, context);
  const { config, auth } = credentialsOf(doc, context, tlsClientConfig);
  const name = clusterSecretName(input.clusterName);
  const claim = input.claim;
  const claimId = `${claim.apiVersion}/${claim.kind} ${claim.namespace ? `${claim.namespace}/` : ''}${claim.name}`;
  const labels = {
    ...stringMap(input.labels),
    [CLUSTER_SECRET_TYPE_LABEL]: 'cluster',
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
  const annotations = { ...stringMap(input.annotations), [CLAIM_ANNOTATION]: claimId };
  const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
  return {
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: input.namespace, labels, annotations },
      type: 'Opaque',
      data: {
        name: base64(input.clusterName),
        server: base64(server),
        config: base64(JSON.stringify(config)),
      },
    },
    name,
    server,
    auth,
  };
}
