import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ChartCredentialsError } from '../charts/chart-credentials.ts';
import { remoteAccessFromEnv } from '../charts/chart-settings.ts';
import { InvalidToolUserError, resolveToolUser } from '../render/tool-sandbox.ts';
import { type Env, integer, parseUrl, read, ServerEnvError, show } from './env-reading.ts';
import { loadPrivateKey, loadWebhookSecret, MIN_WEBHOOK_SECRET_LENGTH } from './server-secrets.ts';
import { loadRenderFanOut, loadWorkers, type RenderFanOut, type WorkerSettings } from './worker-env.ts';

export { MIN_WEBHOOK_SECRET_LENGTH, ServerEnvError };

export const DELIVERY_MODES = ['auto', 'on', 'off'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The GitHub App server's settings, read from the environment (Probot's variable names where Probot has one). */
export interface ServerEnv {
  appId: string;
  /** PEM text, normalised: one key block, 64-column body, trailing newline. */
  privateKey: string;
  webhookSecret: string;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`); when set, `redisUrl` is not used. */
  redisClusterNodes?: string[];
  queuePrefix: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  github: {
    /** GitHub Enterprise Server REST root, `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`; absent for github.com. */
    baseUrl?: string;
  };
  /**
   * Queue workers: jobs per process; how long a job's lock lives without renewal, and how often expired locks
   * are looked for. A killed worker's job is taken over after at most about lock + interval.
   */
  workers: WorkerSettings;
  renderFanOut: RenderFanOut;
  /** The queue dashboard is mounted only when both credentials are set. */
  dashboard: { enabled: boolean; user?: string; password?: string };
  cacheDir?: string;
  /** Where the worker keeps one git clone per repository (MERGEPLANE_REPO_CACHE_DIR). */
  repoCacheDir?: string;
  /**
   * Post-merge delivery (MERGEPLANE_DELIVERY): `auto` runs it when a Kubernetes configuration is found
   * (MERGEPLANE_KUBECONFIG, KUBECONFIG or in-cluster), `on` requires one, `off` never enqueues deliveries.
   */
  delivery: DeliveryMode;
  /** Kubernetes access for delivery, as `loadKubeConfig` reads it. */
  kube: { kubeconfig?: string; context?: string };
  argocdUrl?: string;
  /** A read-only Argo CD API token: with `argocdUrl`, plans of repositories with `plan.live` compare with live. */
  argocdToken?: string;
}

export interface LoadServerEnvOptions {
  /** Reads PRIVATE_KEY_PATH. Default: `fs.readFileSync(path, 'utf8')` (relative to the working directory, as Probot does). */
  readFile?: (path: string) => string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_QUEUE_PREFIX = 'mergeplane';
export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** Every variable `loadServerEnv` reads (documented, in this order, in `.env.example`). */
export const SERVER_ENV_VARIABLES = [
  'APP_ID',
  'PRIVATE_KEY',
  'PRIVATE_KEY_PATH',
  'WEBHOOK_SECRET',
  'WEBHOOK_SECRET_PATH',
  'GHE_HOST',
  'GHE_PROTOCOL',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'MERGEPLANE_QUEUE_PREFIX',
  'MERGEPLANE_WORKER_CONCURRENCY',
  'MERGEPLANE_RENDER_FANOUT',
  'MERGEPLANE_RENDER_JOBS',
  'MERGEPLANE_LOCK_DURATION_MS',
  'MERGEPLANE_STALLED_INTERVAL_MS',
  'MERGEPLANE_PROGRESS_INTERVAL_MS',
  'MERGEPLANE_DASHBOARD_USER',
  'MERGEPLANE_DASHBOARD_PASSWORD',
  'MERGEPLANE_CACHE_DIR',
  'MERGEPLANE_REPO_CACHE_DIR',
  'MERGEPLANE_DELIVERY',
  'MERGEPLANE_KUBECONFIG',
  'MERGEPLANE_KUBE_CONTEXT',
  'MERGEPLANE_ARGOCD_URL',
  'MERGEPLANE_ARGOCD_TOKEN',
  'MERGEPLANE_RENDER_USER',
  'MERGEPLANE_CHART_CACHE_DIR',
  'MERGEPLANE_CHART_ALLOW_HTTP',
  'MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS',
  'MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES',
  'MERGEPLANE_CHART_CREDENTIALS_PATH',
] as const;

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function isHostName(value: string): boolean {
  if (value.length > 253) return false;
  return value
    .replace(/\.$/, '')
    .split('.')
    .every((label) => HOST_LABEL.test(label));
}

/**
 * A host name or IP address. `url`: the authority part of a URL (optional `:port`, IPv6 in brackets);
 * `listen`: what `server.listen` takes (no port, bare IPv6). Returns a reason, or undefined if valid.
 */
function hostProblem(value: string, mode: 'url' | 'listen'): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'give the host name only, without a protocol';
  if (/[/?#@\s]/.test(value)) return `${show(value)} is not a host name (no path, credentials or spaces)`;
  if (isIP(value) === 6) {
    return mode === 'url'
      ? `${show(value)}: write an IPv6 address in brackets, e.g. "[${value}]"`
      : undefined;
  }
  let host = value;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(value);
  if (bracketed) {
    if (mode === 'listen') return `${show(value)}: give an IPv6 address without brackets`;
    if (isIP(bracketed[1]!) !== 6) return `${show(value)} is not a valid IPv6 address`;
    port = bracketed[2];
  } else {
    const colon = value.lastIndexOf(':');
    if (colon !== -1) {
      host = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
    if (isIP(host) !== 4 && !isHostName(host)) return `${show(value)} is not a valid host name or IP address`;
  }
  if (port !== undefined) {
    if (mode === 'listen') return 'give the address without a port (the port is PORT)';
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      return `${show(value)} has an invalid port`;
    }
  }
  return undefined;
}

/** GHE_HOST and GHE_PROTOCOL: the REST root of GitHub Enterprise Server, or none for github.com. */
export function loadGithub(env: Env): ServerEnv['github'] {
  const host = read(env, 'GHE_HOST')?.trim();
  const rawProtocol = read(env, 'GHE_PROTOCOL')?.trim();
  const protocol = rawProtocol?.toLowerCase() ?? 'https';
  if (protocol !== 'https' && protocol !== 'http') {
    throw new ServerEnvError('GHE_PROTOCOL', `${show(rawProtocol ?? '')} is not "https" or "http"`);
  }
  if (host === undefined) {
    if (protocol === 'http') {
      throw new ServerEnvError('GHE_PROTOCOL', '"http" needs GHE_HOST; github.com is served over https only');
    }
    return {};
  }
  const problem = hostProblem(host, 'url');
  if (problem) throw new ServerEnvError('GHE_HOST', problem);
  const bare = host.toLowerCase().replace(/:[0-9]+$/, '');
  if (bare === 'github.com' || bare === 'api.github.com' || bare === 'www.github.com') {
    throw new ServerEnvError('GHE_HOST', 'leave it unset for github.com; it is for GitHub Enterprise Server');
  }
  return { baseUrl: `${protocol}://${host}/api/v3` };
}

function loadDashboard(env: Env): ServerEnv['dashboard'] {
  const user = read(env, 'MERGEPLANE_DASHBOARD_USER')?.trim();
  const password = read(env, 'MERGEPLANE_DASHBOARD_PASSWORD');
  // Half a credential pair is a mistake, not a request to turn the dashboard off.
  if (user !== undefined && password === undefined) {
    throw new ServerEnvError(
      'MERGEPLANE_DASHBOARD_PASSWORD',
      'required when MERGEPLANE_DASHBOARD_USER is set (the dashboard needs both, or neither to stay off)',
    );
  }
  if (password !== undefined && user === undefined) {
    throw new ServerEnvError(
      'MERGEPLANE_DASHBOARD_USER',
      'required when MERGEPLANE_DASHBOARD_PASSWORD is set (the dashboard needs both, or neither to stay off)',
    );
  }
  if (user === undefined || password === undefined) return { enabled: false };
  // HTTP Basic auth splits user from password at the first colon.
  if (user.includes(':')) throw new ServerEnvError('MERGEPLANE_DASHBOARD_USER', 'must not contain ":"');
  return { enabled: true, user, password };
}

function deliveryMode(env: Env): DeliveryMode {
  const raw = read(env, 'MERGEPLANE_DELIVERY')?.trim();
  const mode = (raw?.toLowerCase() ?? 'auto') as DeliveryMode;
  if (!DELIVERY_MODES.includes(mode)) {
    throw new ServerEnvError(
      'MERGEPLANE_DELIVERY',
      `${show(raw ?? '')} is not one of ${DELIVERY_MODES.join(', ')}`,
    );
  }
  return mode;
}

/**
 * Settings each plan reads again from the environment (the render user, chart fetching), checked at start so a
 * bad value stops the process rather than every render.
 */
function checkRenderSettings(env: Env): void {
  try {
    resolveToolUser(env);
  } catch (error) {
    if (error instanceof InvalidToolUserError)
      throw new ServerEnvError(
        'MERGEPLANE_RENDER_USER',
        error.message.replace(/^MERGEPLANE_RENDER_USER /, ''),
      );
    throw error;
  }

  try {
    remoteAccessFromEnv(env, 1);
  } catch (error) {
    if (error instanceof ChartCredentialsError) throw new ServerEnvError(error.variable, error.message);
    throw error;
  }
}

/** Where Redis is (one server, or a cluster's seed nodes) and the prefix of every key. */
function loadRedis(env: Env): { redisUrl: string; clusterNodes: string[] | undefined; queuePrefix: string } {
  const redisUrl = read(env, 'REDIS_URL')?.trim() ?? DEFAULT_REDIS_URL;
  parseUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:']);

  const clusterNodes = read(env, 'REDIS_CLUSTER_NODES')
    ?.split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  for (const node of clusterNodes ?? []) parseUrl('REDIS_CLUSTER_NODES', node, ['redis:', 'rediss:']);
  if (clusterNodes !== undefined && clusterNodes.length === 0)
    throw new ServerEnvError('REDIS_CLUSTER_NODES', 'lists no node (comma-separated redis:// URLs)');

  // On a cluster every key of a queue must hash to one slot: the prefix is a hash tag there by default.
  const queuePrefix =
    read(env, 'MERGEPLANE_QUEUE_PREFIX')?.trim() ??
    (clusterNodes ? `{${DEFAULT_QUEUE_PREFIX}}` : DEFAULT_QUEUE_PREFIX);
  // `{name}` is the Redis Cluster hash-tag form BullMQ recommends; braces must then wrap the whole prefix.
  if (!/^(?:[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}|\{[A-Za-z0-9][A-Za-z0-9_.:-]{0,61}\})$/.test(queuePrefix)) {
    throw new ServerEnvError(
      'MERGEPLANE_QUEUE_PREFIX',
      `${show(queuePrefix)} is not a valid prefix (letters, digits, "_.:-", up to 64; optionally wrapped in {} for Redis Cluster)`,
    );
  }
  if (clusterNodes && !queuePrefix.startsWith('{')) {
    throw new ServerEnvError(
      'MERGEPLANE_QUEUE_PREFIX',
      `${show(queuePrefix)} must be a hash tag such as {${queuePrefix}} with REDIS_CLUSTER_NODES: BullMQ's scripts touch several keys of a queue at once, which a cluster allows only within one slot`,
    );
  }
  return { redisUrl, clusterNodes, queuePrefix };
}

export function loadServerEnv(env: Env, options: LoadServerEnvOptions = {}): ServerEnv {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));

  const appIdRaw = read(env, 'APP_ID')?.trim();
  if (appIdRaw === undefined) throw new ServerEnvError('APP_ID', "required: the GitHub App's numeric ID");
  if (!/^[1-9][0-9]*$/.test(appIdRaw)) {
    throw new ServerEnvError('APP_ID', `${show(appIdRaw)} is not a numeric App ID (digits only)`);
  }

  const privateKey = loadPrivateKey(env, readFile);

  const webhookSecret = loadWebhookSecret(env, readFile);
  checkRenderSettings(env);

  const { redisUrl, clusterNodes, queuePrefix } = loadRedis(env);

  const port = integer('PORT', read(env, 'PORT'), DEFAULT_PORT, 0, 65535);

  const host = read(env, 'HOST')?.trim() ?? DEFAULT_HOST;
  const hostIssue = hostProblem(host, 'listen');
  if (hostIssue) throw new ServerEnvError('HOST', hostIssue);

  const logLevelRaw = read(env, 'LOG_LEVEL')?.trim();
  const logLevel = (logLevelRaw?.toLowerCase() ?? DEFAULT_LOG_LEVEL) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ServerEnvError(
      'LOG_LEVEL',
      `${show(logLevelRaw ?? '')} is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }

  const github = loadGithub(env);

  const workers = loadWorkers(env);
  const renderFanOut = loadRenderFanOut(env);

  const dashboard = loadDashboard(env);

  const result: ServerEnv = {
    appId: appIdRaw,
    privateKey,
    webhookSecret,
    redisUrl,
    ...(clusterNodes ? { redisClusterNodes: clusterNodes } : {}),
    queuePrefix,
    port,
    host,
    logLevel,
    github,
    workers,
    renderFanOut,
    dashboard,
    delivery: deliveryMode(env),
    kube: {},
  };

  const cacheDir = read(env, 'MERGEPLANE_CACHE_DIR')?.trim();
  if (cacheDir !== undefined) result.cacheDir = cacheDir;

  const repoCacheDir = read(env, 'MERGEPLANE_REPO_CACHE_DIR')?.trim();
  if (repoCacheDir !== undefined) result.repoCacheDir = repoCacheDir;

  const kubeconfig = read(env, 'MERGEPLANE_KUBECONFIG')?.trim();
  if (kubeconfig !== undefined) result.kube.kubeconfig = kubeconfig;
  const kubeContext = read(env, 'MERGEPLANE_KUBE_CONTEXT')?.trim();
  if (kubeContext !== undefined) result.kube.context = kubeContext;

  const argocdRaw = read(env, 'MERGEPLANE_ARGOCD_URL');
  if (argocdRaw !== undefined) {
    parseUrl('MERGEPLANE_ARGOCD_URL', argocdRaw, ['https:', 'http:']);
    result.argocdUrl = argocdRaw.trim().replace(/\/+$/, '');
  }
  const argocdToken = read(env, 'MERGEPLANE_ARGOCD_TOKEN')?.trim();
  if (argocdToken !== undefined && argocdToken !== '') {
    if (result.argocdUrl === undefined) {
      throw new ServerEnvError('MERGEPLANE_ARGOCD_TOKEN', 'needs MERGEPLANE_ARGOCD_URL (the Argo CD server)');
    }
    // The token goes with every request: never in the clear.
    if (!result.argocdUrl.startsWith('https://')) {
      throw new ServerEnvError(
        'MERGEPLANE_ARGOCD_TOKEN',
        'is only sent over https: MERGEPLANE_ARGOCD_URL is not https',
      );
    }
    result.argocdToken = argocdToken;
  }

  return result;
}
