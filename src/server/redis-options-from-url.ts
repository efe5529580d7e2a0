import type { RedisOptions } from 'ioredis';
import type { RedisClusterConnection } from '../queue/redis-connection.ts';

/**
 * ioredis options from a `redis://` / `rediss://` URL (already validated by `loadServerEnv`). Options, not the
 * URL string, because the queue's clients take either a URL or options, and fail-fast settings must be merged
 * into them.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (/^[0-9]+$/.test(db)) options.db = Number(db);
  const family = parsed.searchParams.get('family');
  if (family === '4' || family === '6') options.family = Number(family);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/**
 * Where the server's Redis is: one server from `REDIS_URL`, or a cluster from `REDIS_CLUSTER_NODES` (every node
 * connection uses the first URL's credentials and TLS; a cluster has no database number).
 */
export function serverRedisConnection(env: {
  redisUrl: string;
  redisClusterNodes?: string[];
}): RedisOptions | RedisClusterConnection {
  if (env.redisClusterNodes === undefined) return redisOptionsFromUrl(env.redisUrl);
  const nodes = env.redisClusterNodes.map(redisOptionsFromUrl);
  const { host: _host, port: _port, db: _db, ...shared } = nodes[0] ?? {};
  return {
    cluster: nodes.map((node) => ({ host: node.host ?? '127.0.0.1', port: node.port ?? 6379 })),
    redisOptions: shared,
  };
}
