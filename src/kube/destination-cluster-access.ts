import { KubeConfig } from '@kubernetes/client-node';
import { isRecord } from '../model/kube-object.ts';

/** Argo CD's name for the cluster it runs in (`destination.server` / `destination.name`). */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

/** How Mergeplane may read an application's destination cluster, or why it may not. */
export type DestinationAccess =
  | {
      kind: 'access';
      /** The cluster as the report names it (its Argo CD name, else its server URL): never a credential. */
      cluster: string;
      server: string;
      name?: string;
      /** Which credential: the worker's own (in-cluster) or the cluster Secret's bearer token or client certificate. */
      via: 'in-cluster' | 'token' | 'client-certificate';
      /** Absent for `in-cluster`: the worker's own kubeconfig serves. */
      kubeConfig?: KubeConfig;
    }
  | { kind: 'none'; reason: string };

/** A cluster Secret's `data` field, decoded (Secrets carry base64). */
function decoded(secret: Record<string, unknown>, key: string): string | undefined {
  const data = isRecord(secret.data) ? secret.data : {};
  const value = data[key];
  if (typeof value !== 'string') return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

const trimSlash = (server: string): string => server.replace(/\/+$/, '');

/** Whether a cluster Secret is the one an application's destination names (by server URL, else by name). */
export function secretMatchesDestination(
  secret: Record<string, unknown>,
  destination: { server?: string; name?: string },
): boolean {
  if (destination.server !== undefined && destination.server !== '') {
    const server = decoded(secret, 'server');
    return server !== undefined && trimSlash(server) === trimSlash(destination.server);
  }
  return destination.name !== undefined && decoded(secret, 'name') === destination.name;
}

function str(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The read access an Argo CD cluster Secret gives (`data.server`, `data.name`, `data.config`): a bearer token or a
 * client certificate, with the Secret's CA or its `insecure` choice. Basic auth, AWS/GCP/Azure auth and exec
 * plugins are named as not supported. Nothing of the credentials reaches a reason.
 */
export function accessFromClusterSecret(secret: Record<string, unknown>): DestinationAccess {
  const server = decoded(secret, 'server');
  const name = decoded(secret, 'name');
  const cluster = name ?? server ?? 'the cluster';
  if (server === undefined || server === '') {
    return { kind: 'none', reason: `Argo CD's cluster Secret for ${cluster} has no server` };
  }
  let config: Record<string, unknown> = {};
  const text = decoded(secret, 'config');
  if (text !== undefined && text !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) config = parsed;
    } catch {
      return {
        kind: 'none',
        reason: `Argo CD's cluster Secret for ${cluster} has a config that is not JSON`,
      };
    }
  }
  const unsupported = ['awsAuthConfig', 'execProviderConfig', 'username'].find(
    (key) => config[key] !== undefined,
  );
  const tls = isRecord(config.tlsClientConfig) ? config.tlsClientConfig : {};
  const token = str(config, 'bearerToken');
  const certData = str(tls, 'certData');
  const keyData = str(tls, 'keyData');
  const via =
    token !== undefined
      ? 'token'
      : certData !== undefined && keyData !== undefined
        ? 'client-certificate'
        : undefined;
  if (via === undefined) {
    const what =
      unsupported === 'awsAuthConfig'
        ? 'AWS IAM authentication'
        : unsupported === 'execProviderConfig'
          ? 'an exec credential plugin'
          : unsupported === 'username'
            ? 'basic authentication'
            : 'no bearer token or client certificate';
    return {
      kind: 'none',
      reason: `Argo CD's cluster ${cluster} uses ${what}; live reads support a bearer token or a client certificate`,
    };
  }
  const caData = str(tls, 'caData');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'destination',
        server,
        skipTLSVerify: tls.insecure === true,
        ...(caData === undefined ? {} : { caData }),
        ...(str(tls, 'serverName') === undefined ? {} : { tlsServerName: str(tls, 'serverName') }),
      },
    ],
    users: [{ name: 'destination', ...(via === 'token' ? { token } : { certData, keyData }) }],
    contexts: [{ name: 'destination', cluster: 'destination', user: 'destination' }],
    currentContext: 'destination',
  });
  return {
    kind: 'access',
    cluster,
    server: trimSlash(server),
    ...(name === undefined ? {} : { name }),
    via,
    kubeConfig,
  };
}
