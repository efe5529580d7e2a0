import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A Redis Cluster: its seed nodes, and the options every node connection uses (credentials, TLS). */
export interface RedisClusterConnection {
  cluster: { host: string; port: number }[];
  redisOptions: RedisOptions;
}

/** Where Redis is: a `redis://` / `rediss://` URL, ioredis options, or a Redis Cluster. */
export type RedisConnection = string | RedisOptions | RedisClusterConnection;

/** A client of one Redis or of a cluster: the stores use only commands both offer. */
export type RedisClient = Redis | Cluster;

export function isClusterConnection(connection: RedisConnection): connection is RedisClusterConnection {
  return typeof connection === 'object' && 'cluster' in connection && Array.isArray(connection.cluster);
}

/** The same place with more options (fail-fast settings, a worker's blocking settings). */
export function withRedisOptions(connection: RedisConnection, overrides: RedisOptions): RedisConnection {
  if (isClusterConnection(connection))
    return { ...connection, redisOptions: { ...connection.redisOptions, ...overrides } };
  return typeof connection === 'string' ? connection : { ...connection, ...overrides };
}

function newCluster(connection: RedisClusterConnection, overrides: RedisOptions): Cluster {
  const redisOptions = { ...connection.redisOptions, ...overrides };
  const { enableOfflineQueue, maxRetriesPerRequest } = redisOptions;
  return new Cluster(connection.cluster, {
    redisOptions,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
    // ioredis' advice for TLS clusters: connect to node addresses as announced, so certificates match them.
    ...(redisOptions.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  });
}

/** A client of our own for the plan state keys; BullMQ keeps its connections to itself. */
export function createRedisClient(connection: RedisConnection, overrides: RedisOptions = {}): RedisClient {
  if (isClusterConnection(connection)) return newCluster(connection, overrides);
  return typeof connection === 'string'
    ? new Redis(connection, overrides)
    : new Redis({ ...connection, ...overrides });
}

/** BullMQ's connection option, and how to let go of it once the queue or worker using it has closed. */
export interface BullConnection {
  connection: ConnectionOptions;
  /** Closes a cluster client made for BullMQ (BullMQ never closes a client it was handed); a no-op otherwise. */
  release(): Promise<void>;
}

export function toBullConnection(connection: RedisConnection, overrides: RedisOptions = {}): BullConnection {
  if (isClusterConnection(connection)) {
    // BullMQ reaches a cluster only through a client instance; it duplicates it for a worker's blocking calls.
    const cluster = newCluster(connection, overrides);
    return {
      connection: cluster,
      release: async () => {
        await cluster.quit().catch(() => cluster.disconnect());
      },
    };
  }
  const { retryStrategy, ...options }: RedisOptions =
    typeof connection === 'string' ? { ...overrides } : { ...connection, ...overrides };
  // ioredis 6 allows `retryStrategy: null` (never reconnect); BullMQ's option type predates it.
  const strategy = retryStrategy ?? (() => null);
  return {
    connection: {
      ...options,
      ...(typeof connection === 'string' ? { url: connection } : {}),
      ...(retryStrategy === undefined ? {} : { retryStrategy: strategy }),
    },
    release: async () => {},
  };
}

/** BullMQ connections made for one owner (a queue set, a worker), released together when it closes. */
export interface BullConnections {
  connection(overrides?: RedisOptions): ConnectionOptions;
  releaseAll(): Promise<void>;
}

export function createBullConnections(connection: RedisConnection): BullConnections {
  const made: BullConnection[] = [];
  return {
    connection(overrides) {
      const bull = toBullConnection(connection, overrides);
      made.push(bull);
      return bull.connection;
    },
    releaseAll: async () => {
      await Promise.all(made.map((bull) => bull.release()));
    },
  };
}
