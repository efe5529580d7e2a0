import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeConfigErrorCode =
  | 'missing-file'
  | 'unreadable-file'
  | 'invalid-file'
  | 'unknown-context'
  | 'no-cluster'
  | 'missing-service-account'
  | 'no-config';

/** The worker cannot build a Kubernetes client; the reason names the file, context or variable, never a credential. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  readonly code: KubeConfigErrorCode;
  constructor(code: KubeConfigErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

export interface LoadKubeConfigOptions {
  env: Record<string, string | undefined>;
  /** Where the pod's service account is mounted; tests point it elsewhere. */
  serviceAccountDir?: string;
}

const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kubeconfig the delivery worker uses:
 * - `MERGEPLANE_KUBECONFIG` (a file) when set — an explicit choice wins even inside a cluster;
 * - else the pod's service account when `KUBERNETES_SERVICE_HOST` is set;
 * - else `KUBECONFIG` (one or more files joined by the platform's path delimiter, merged as kubectl does).
 * `MERGEPLANE_KUBE_CONTEXT` selects a context of a kubeconfig file.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions): KubeConfig {
  const { env } = options;
  const explicit = nonEmpty(env.MERGEPLANE_KUBECONFIG);
  if (explicit === undefined && nonEmpty(env.KUBERNETES_SERVICE_HOST) !== undefined) {
    return inClusterConfig(env, options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR);
  }
  const files = explicit !== undefined ? [explicit] : (nonEmpty(env.KUBECONFIG)?.split(delimiter) ?? []);
  const paths = files.filter((file) => file !== '');
  if (paths.length === 0) {
    throw new KubeConfigError(
      'no-config',
      'no Kubernetes configuration: set MERGEPLANE_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, or run in a cluster',
    );
  }
  const config = fromFile(paths[0]!, explicit !== undefined ? 'MERGEPLANE_KUBECONFIG' : 'KUBECONFIG');
  for (const path of paths.slice(1)) {
    // Later files add clusters/users/contexts; the first file's current-context stays, as with kubectl.
    try {
      config.mergeConfig(fromFile(path, 'KUBECONFIG'), true);
    } catch (error) {
      if (error instanceof KubeConfigError) throw error;
      throw new KubeConfigError('invalid-file', `kubeconfig ${path} (KUBECONFIG): ${firstLine(error)}`, {
        cause: error,
      });
    }
  }
  const context = nonEmpty(env.MERGEPLANE_KUBE_CONTEXT);
  if (context !== undefined) {
    if (!config.getContextObject(context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new KubeConfigError(
        'unknown-context',
        `MERGEPLANE_KUBE_CONTEXT names context "${context}", which the kubeconfig does not define (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(context);
  }
  const current = config.getCurrentContext();
  if (!current || !config.getContextObject(current)) {
    throw new KubeConfigError(
      'unknown-context',
      current
        ? `the kubeconfig's current-context "${current}" is not one of its contexts`
        : 'the kubeconfig has no current-context; set MERGEPLANE_KUBE_CONTEXT',
    );
  }
  if (!config.getCurrentCluster()) {
    throw new KubeConfigError(
      'no-cluster',
      `context "${current}" names a cluster the kubeconfig does not define`,
    );
  }
  return config;
}

function fromFile(path: string, variable: string): KubeConfig {
  if (!existsSync(path)) {
    throw new KubeConfigError('missing-file', `kubeconfig file ${path} (${variable}) does not exist`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeConfigError(
      'unreadable-file',
      `kubeconfig file ${path} (${variable}) cannot be read: ${firstLine(error)}`,
      {
        cause: error,
      },
    );
  }
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    // The YAML parser's message may quote the offending line, which could hold a token: name the file only.
    throw new KubeConfigError(
      'invalid-file',
      `kubeconfig file ${path} (${variable}) is not a valid kubeconfig`,
      {
        cause: error,
      },
    );
  }
  config.makePathsAbsolute(dirname(path));
  return config;
}

/** Mirrors client-node's `loadFromCluster`, reading the given environment instead of `process.env`. */
function inClusterConfig(env: Record<string, string | undefined>, serviceAccountDir: string): KubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = nonEmpty(env.KUBERNETES_SERVICE_PORT) ?? '443';
  const tokenFile = join(serviceAccountDir, 'token');
  const caFile = join(serviceAccountDir, 'ca.crt');
  for (const file of [tokenFile, caFile]) {
    if (!existsSync(file)) {
      throw new KubeConfigError(
        'missing-service-account',
        `KUBERNETES_SERVICE_HOST is set but the service account file ${file} does not exist; set MERGEPLANE_KUBECONFIG to use a kubeconfig instead`,
      );
    }
  }
  const namespaceFile = join(serviceAccountDir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const serverHost = isIPv6(host) ? `[${host}]` : host;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      { name: 'inCluster', server: `${scheme}://${serverHost}:${port}`, caFile, skipTLSVerify: false },
    ],
    // The tokenFile provider re-reads the projected token, which the kubelet rotates.
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', namespace }],
    currentContext: 'inClusterContext',
  });
  return config;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
