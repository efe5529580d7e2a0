import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadServerEnv,
  SERVER_ENV_VARIABLES,
  type ServerEnv,
  ServerEnvError,
} from '../../src/server/server-env.ts';

type Env = Record<string, string | undefined>;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const PKCS8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ENCRYPTED = rsa.privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' })
  .toString();
const PUBLIC = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const EC = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const PKCS1_LINES = PKCS1.trim().split('\n');
/** The key without its last body lines: still well-formed PEM, but not a key. */
const TRUNCATED_BODY = [...PKCS1_LINES.slice(0, 6), PKCS1_LINES.at(-1)!].join('\n');
/** No END line at all. */
const NO_END = PKCS1_LINES.slice(0, -1).join('\n');

const WEBHOOK_SECRET = 'whsec-Sup3rSecretValue';
const DASHBOARD_PASSWORD = 'dash-Pa55word-Value';
const REDIS_PASSWORD = 'redisPa55Value';
const ARGOCD_TOKEN = 'argoTok3nValue';

const BASE: Env = { APP_ID: '123456', PRIVATE_KEY: PKCS1, WEBHOOK_SECRET };

function load(overrides: Env, readFile?: (path: string) => string): ServerEnv {
  return loadServerEnv({ ...BASE, ...overrides }, readFile ? { readFile } : {});
}

function envError(overrides: Env, readFile?: (path: string) => string): ServerEnvError {
  try {
    load(overrides, readFile);
  } catch (error) {
    if (error instanceof ServerEnvError) return error;
    throw error;
  }
  throw new Error('expected a ServerEnvError');
}

const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};

describe('loadServerEnv', () => {
  it('applies the defaults when only the required variables are set', () => {
    expect(loadServerEnv(BASE)).toEqual({
      appId: '123456',
      privateKey: PKCS1,
      webhookSecret: WEBHOOK_SECRET,
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'mergeplane',
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      github: {},
      workers: {
        concurrency: 2,
        lockDurationMs: 15_000,
        stalledIntervalMs: 10_000,
        progressIntervalMs: 10_000,
      },
      renderFanOut: { threshold: 50, jobs: 1 },
      dashboard: { enabled: false },
      delivery: 'auto',
      kube: {},
    });
  });

  it('reads the delivery mode and the Kubernetes access', () => {
    expect(
      load({
        MERGEPLANE_DELIVERY: 'ON',
        MERGEPLANE_KUBECONFIG: '/etc/mergeplane/kubeconfig',
        MERGEPLANE_KUBE_CONTEXT: 'mgmt',
      }),
    ).toMatchObject({ delivery: 'on', kube: { kubeconfig: '/etc/mergeplane/kubeconfig', context: 'mgmt' } });
    expect(load({ MERGEPLANE_DELIVERY: 'off' }).delivery).toBe('off');
    expect(() => load({ MERGEPLANE_DELIVERY: 'sometimes' })).toThrow(
      new ServerEnvError('MERGEPLANE_DELIVERY', '"sometimes" is not one of auto, on, off'),
    );
  });

  it('treats blank values as unset', () => {
    const env = load({ PORT: '', HOST: '  ', REDIS_URL: '', LOG_LEVEL: '', MERGEPLANE_CACHE_DIR: '' });
    expect(env).toMatchObject({ port: 3000, host: '0.0.0.0', redisUrl: 'redis://127.0.0.1:6379' });
    expect(env.cacheDir).toBeUndefined();
  });

  it('reads a Redis Cluster: its seed nodes, and a hash-tag prefix by default', () => {
    const env = load({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379, redis://10.0.0.2:6379' });
    expect(env.redisClusterNodes).toEqual(['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379']);
    expect(env.queuePrefix).toBe('{mergeplane}');
  });

  it('reads every optional variable', () => {
    const env = load({
      REDIS_URL: `rediss://:${REDIS_PASSWORD}@redis.internal:6380/2`,
      MERGEPLANE_QUEUE_PREFIX: '{mp-prod}',
      PORT: '8080',
      HOST: '::',
      LOG_LEVEL: 'DEBUG',
      GHE_HOST: 'ghe.example.com',
      MERGEPLANE_WORKER_CONCURRENCY: '32',
      MERGEPLANE_LOCK_DURATION_MS: '30000',
      MERGEPLANE_STALLED_INTERVAL_MS: '5000',
      MERGEPLANE_PROGRESS_INTERVAL_MS: '0',
      MERGEPLANE_DASHBOARD_USER: 'ops',
      MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
      MERGEPLANE_CACHE_DIR: '/var/cache/mergeplane',
      MERGEPLANE_ARGOCD_URL: 'https://argocd.example.com/',
    });
    expect(env).toMatchObject({
      redisUrl: `rediss://:${REDIS_PASSWORD}@redis.internal:6380/2`,
      queuePrefix: '{mp-prod}',
      port: 8080,
      host: '::',
      logLevel: 'debug',
      github: { baseUrl: 'https://ghe.example.com/api/v3' },
      workers: { concurrency: 32, lockDurationMs: 30_000, stalledIntervalMs: 5_000, progressIntervalMs: 0 },
      dashboard: { enabled: true, user: 'ops', password: DASHBOARD_PASSWORD },
      cacheDir: '/var/cache/mergeplane',
      argocdUrl: 'https://argocd.example.com',
    });
  });

  describe('private key', () => {
    const oneLine = (pem: string) => pem.trim().split('\n').join(' ');
    it.each([
      ['a PKCS#1 PEM', { PRIVATE_KEY: PKCS1 }, PKCS1],
      ['a PKCS#8 PEM', { PRIVATE_KEY: PKCS8 }, PKCS8],
      [
        'a PEM with CRLF line ends and surrounding blanks',
        { PRIVATE_KEY: `\n${PKCS1.replaceAll('\n', '\r\n')}  ` },
        PKCS1,
      ],
      ['a one-line key with escaped \\n', { PRIVATE_KEY: PKCS1.trim().replaceAll('\n', '\\n') }, PKCS1],
      ['a one-line key with escaped \\r\\n', { PRIVATE_KEY: PKCS8.trim().replaceAll('\n', '\\r\\n') }, PKCS8],
      ['a one-line key whose newlines became spaces', { PRIVATE_KEY: oneLine(PKCS1) }, PKCS1],
      ['a base64-encoded PEM', { PRIVATE_KEY: Buffer.from(PKCS1).toString('base64') }, PKCS1],
      [
        'base64 wrapped over lines',
        { PRIVATE_KEY: Buffer.from(PKCS8).toString('base64').replace(/.{76}/g, '$&\n') },
        PKCS8,
      ],
      [
        'base64 of an escaped one-line key',
        { PRIVATE_KEY: Buffer.from(PKCS1.replaceAll('\n', '\\n')).toString('base64') },
        PKCS1,
      ],
      ['a file (PRIVATE_KEY_PATH)', { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'app.pem' }, PKCS1],
      [
        'a file with a trailing comment block',
        { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'noisy.pem' },
        PKCS8,
      ],
    ])('accepts %s', (_name, overrides, expected) => {
      const files: Record<string, string> = {
        'app.pem': PKCS1,
        'noisy.pem': `Bag Attributes\n${PKCS8}\n# end\n`,
      };
      expect(load(overrides, (path) => files[path] ?? noFiles(path)).privateKey).toBe(expected);
    });

    it.each([
      ['neither variable', { PRIVATE_KEY: undefined }, 'PRIVATE_KEY', /required/],
      [
        'both variables',
        { PRIVATE_KEY_PATH: 'app.pem' },
        'PRIVATE_KEY',
        /either PRIVATE_KEY or PRIVATE_KEY_PATH/,
      ],
      ['text that is no PEM', { PRIVATE_KEY: 'not a key at all' }, 'PRIVATE_KEY', /not a PEM private key/],
      [
        'base64 of something else',
        { PRIVATE_KEY: Buffer.from('hello world').toString('base64') },
        'PRIVATE_KEY',
        /not a PEM private key/,
      ],
      ['a public key', { PRIVATE_KEY: PUBLIC }, 'PRIVATE_KEY', /PEM "PUBLIC KEY", not a private key/],
      ['a key without END line', { PRIVATE_KEY: NO_END }, 'PRIVATE_KEY', /truncated/],
      ['a key missing body lines', { PRIVATE_KEY: TRUNCATED_BODY }, 'PRIVATE_KEY', /could not be parsed/],
      [
        'a key with a corrupted body',
        { PRIVATE_KEY: PKCS1.replace(/\n[A-Za-z0-9+/]{10}/, '\n%%%%%%%%%%') },
        'PRIVATE_KEY',
        /not base64/,
      ],
      ['an encrypted key', { PRIVATE_KEY: ENCRYPTED }, 'PRIVATE_KEY', /encrypted/],
      ['an EC key', { PRIVATE_KEY: EC }, 'PRIVATE_KEY', /ec key; GitHub App keys are RSA/],
      [
        'an OpenSSH key',
        { PRIVATE_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----' },
        'PRIVATE_KEY',
        /"OPENSSH PRIVATE KEY"; GitHub App keys are RSA/,
      ],
      [
        'a missing file',
        { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'missing.pem' },
        'PRIVATE_KEY_PATH',
        /cannot read "missing.pem" \(no such file\)/,
      ],
      [
        'a file that is no key',
        { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'cert.pem' },
        'PRIVATE_KEY_PATH',
        /not a private key/,
      ],
      [
        'an Argo CD token without the server',
        { MERGEPLANE_ARGOCD_TOKEN: ARGOCD_TOKEN },
        'MERGEPLANE_ARGOCD_TOKEN',
        /needs MERGEPLANE_ARGOCD_URL/,
      ],
    ])('rejects %s', (_name, overrides, variable, reason) => {
      const files: Record<string, string> = { 'app.pem': PKCS1, 'cert.pem': PUBLIC };
      const error = envError(overrides, (path) => files[path] ?? noFiles(path));
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(new RegExp(`^${variable}: `));
      expect(error.message).toMatch(reason);
    });
  });

  it.each([
    ['APP_ID missing', { APP_ID: undefined }, 'APP_ID', /required/],
    ['APP_ID blank', { APP_ID: ' ' }, 'APP_ID', /required/],
    ['APP_ID not digits', { APP_ID: 'my-app' }, 'APP_ID', /"my-app" is not a numeric App ID/],
    ['APP_ID zero', { APP_ID: '0' }, 'APP_ID', /not a numeric App ID/],
    ['WEBHOOK_SECRET missing', { WEBHOOK_SECRET: undefined }, 'WEBHOOK_SECRET', /required/],
    [
      'WEBHOOK_SECRET short',
      { WEBHOOK_SECRET: 'Qz7kX' },
      'WEBHOOK_SECRET',
      /too short \(5 characters, at least 8\)/,
    ],
    ['REDIS_URL not a URL', { REDIS_URL: `:${REDIS_PASSWORD}@redis:6379` }, 'REDIS_URL', /not a valid URL/],
    [
      'REDIS_URL wrong scheme',
      { REDIS_URL: `http://:${REDIS_PASSWORD}@redis:6379` },
      'REDIS_URL',
      /scheme "http:"/,
    ],
    [
      'queue prefix with spaces',
      { MERGEPLANE_QUEUE_PREFIX: 'my queue' },
      'MERGEPLANE_QUEUE_PREFIX',
      /not a valid prefix/,
    ],
    [
      'a cluster with a prefix that is not a hash tag (its keys would spread over slots)',
      { REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379', MERGEPLANE_QUEUE_PREFIX: 'mp' },
      'MERGEPLANE_QUEUE_PREFIX',
      /must be a hash tag such as \{mp\}/,
    ],
    [
      'a cluster node that is not a redis URL',
      { REDIS_CLUSTER_NODES: 'http://10.0.0.1:6379' },
      'REDIS_CLUSTER_NODES',
      /redis/,
    ],
    ['a cluster of no nodes', { REDIS_CLUSTER_NODES: ' , ' }, 'REDIS_CLUSTER_NODES', /no node/],
    [
      'queue prefix with half a hash tag',
      { MERGEPLANE_QUEUE_PREFIX: '{mp' },
      'MERGEPLANE_QUEUE_PREFIX',
      /not a valid prefix/,
    ],
    ['PORT not a number', { PORT: 'http' }, 'PORT', /"http" is not a whole number/],
    ['PORT fractional', { PORT: '80.5' }, 'PORT', /not a whole number/],
    ['PORT negative', { PORT: '-1' }, 'PORT', /not a whole number/],
    ['PORT too large', { PORT: '65536' }, 'PORT', /65536 is out of range \(0 to 65535\)/],
    ['HOST with a port', { HOST: '0.0.0.0:3000' }, 'HOST', /without a port/],
    ['HOST with a protocol', { HOST: 'http://localhost' }, 'HOST', /without a protocol/],
    ['HOST not a host name', { HOST: 'bad_host!' }, 'HOST', /not a valid host name/],
    [
      'LOG_LEVEL unknown',
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL',
      /"verbose" is not one of fatal, error, warn, info, debug, trace/,
    ],
    [
      'concurrency zero',
      { MERGEPLANE_WORKER_CONCURRENCY: '0' },
      'MERGEPLANE_WORKER_CONCURRENCY',
      /0 is out of range \(1 to 32\)/,
    ],
    [
      'concurrency above 32',
      { MERGEPLANE_WORKER_CONCURRENCY: '33' },
      'MERGEPLANE_WORKER_CONCURRENCY',
      /33 is out of range/,
    ],
    [
      'concurrency not a number',
      { MERGEPLANE_WORKER_CONCURRENCY: 'two' },
      'MERGEPLANE_WORKER_CONCURRENCY',
      /not a whole number/,
    ],
    ['ARGOCD_URL not a URL', { MERGEPLANE_ARGOCD_URL: 'argocd' }, 'MERGEPLANE_ARGOCD_URL', /not a valid URL/],
    [
      'a progress interval GitHub would feel',
      { MERGEPLANE_PROGRESS_INTERVAL_MS: '500' },
      'MERGEPLANE_PROGRESS_INTERVAL_MS',
      /must be 0 \(off\) or at least 2000, got 500/,
    ],
    [
      'ARGOCD_URL wrong scheme',
      { MERGEPLANE_ARGOCD_URL: `ftp://admin:${ARGOCD_TOKEN}@argocd` },
      'MERGEPLANE_ARGOCD_URL',
      /scheme "ftp:"/,
    ],
  ])('rejects %s', (_name, overrides, variable, reason) => {
    const error = envError(overrides);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.message).toMatch(reason);
  });

  describe('GitHub Enterprise Server', () => {
    it.each([
      [{}, undefined],
      [{ GHE_PROTOCOL: 'https' }, undefined],
      [{ GHE_HOST: 'ghe.example.com' }, 'https://ghe.example.com/api/v3'],
      [{ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'HTTPS' }, 'https://ghe.example.com/api/v3'],
      [{ GHE_HOST: '127.0.0.1:45123', GHE_PROTOCOL: 'http' }, 'http://127.0.0.1:45123/api/v3'],
      [{ GHE_HOST: 'localhost:8080', GHE_PROTOCOL: 'http' }, 'http://localhost:8080/api/v3'],
      [{ GHE_HOST: '[::1]:8443' }, 'https://[::1]:8443/api/v3'],
    ])('%j → %s', (overrides, baseUrl) => {
      expect(load(overrides).github.baseUrl).toBe(baseUrl);
    });

    it.each([
      [{ GHE_PROTOCOL: 'http' }, 'GHE_PROTOCOL', /"http" needs GHE_HOST/],
      [
        { GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'ftp' },
        'GHE_PROTOCOL',
        /"ftp" is not "https" or "http"/,
      ],
      [{ GHE_HOST: 'https://ghe.example.com' }, 'GHE_HOST', /without a protocol/],
      [{ GHE_HOST: 'ghe.example.com/api/v3' }, 'GHE_HOST', /no path/],
      [{ GHE_HOST: 'user@ghe.example.com' }, 'GHE_HOST', /credentials/],
      [{ GHE_HOST: 'ghe.example.com:99999' }, 'GHE_HOST', /invalid port/],
      [{ GHE_HOST: 'ghe_example.com' }, 'GHE_HOST', /not a valid host name/],
      [{ GHE_HOST: '::1' }, 'GHE_HOST', /IPv6 address in brackets/],
      [{ GHE_HOST: 'github.com' }, 'GHE_HOST', /unset for github.com/],
    ])('rejects %j', (overrides, variable, reason) => {
      const error = envError(overrides);
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(reason);
    });
  });

  describe('dashboard', () => {
    it.each([
      [{}, { enabled: false }],
      [{ MERGEPLANE_DASHBOARD_USER: '', MERGEPLANE_DASHBOARD_PASSWORD: '' }, { enabled: false }],
      [
        { MERGEPLANE_DASHBOARD_USER: 'ops', MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD },
        { enabled: true, user: 'ops', password: DASHBOARD_PASSWORD },
      ],
    ])('%j → %j', (overrides, dashboard) => {
      expect(load(overrides).dashboard).toEqual(dashboard);
    });

    it.each([
      [{ MERGEPLANE_DASHBOARD_USER: 'ops' }, 'MERGEPLANE_DASHBOARD_PASSWORD'],
      [{ MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD }, 'MERGEPLANE_DASHBOARD_USER'],
      [
        { MERGEPLANE_DASHBOARD_USER: 'ops:admin', MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD },
        'MERGEPLANE_DASHBOARD_USER',
      ],
    ])('refuses half a credential pair or a bad user: %j', (overrides, variable) => {
      expect(envError(overrides).variable).toBe(variable);
    });
  });

  it('never puts a secret value into an error', () => {
    const keyLines = (pem: string) =>
      pem.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
    const secrets = [
      WEBHOOK_SECRET,
      DASHBOARD_PASSWORD,
      REDIS_PASSWORD,
      ARGOCD_TOKEN,
      'Qz7kX',
      'pass-phrase',
      ...keyLines(PKCS1),
      ...keyLines(ENCRYPTED),
      ...keyLines(EC),
      Buffer.from(PKCS1).toString('base64').slice(0, 40),
    ];
    const secretsSet = {
      WEBHOOK_SECRET,
      MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@redis:6379`,
    };
    const failing: Env[] = [
      { APP_ID: undefined, ...secretsSet },
      { PRIVATE_KEY: TRUNCATED_BODY, ...secretsSet },
      { PRIVATE_KEY: NO_END },
      { PRIVATE_KEY: ENCRYPTED },
      { PRIVATE_KEY: EC },
      { PRIVATE_KEY: PKCS1.replace(/\n[A-Za-z0-9+/]{10}/, '\n%%%%%%%%%%') },
      { PRIVATE_KEY: Buffer.from(TRUNCATED_BODY).toString('base64') },
      { PRIVATE_KEY: PKCS1.slice(40, 400) },
      { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'bad.pem' },
      { PRIVATE_KEY_PATH: 'app.pem' },
      { WEBHOOK_SECRET: 'Qz7kX' },
      { REDIS_URL: `:${REDIS_PASSWORD}@redis:6379` },
      { REDIS_URL: `http://:${REDIS_PASSWORD}@redis:6379` },
      { REDIS_URL: `redis://:${REDIS_PASSWORD}@` },
      { MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD },
      { MERGEPLANE_DASHBOARD_USER: 'a:b', MERGEPLANE_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD },
      { MERGEPLANE_ARGOCD_URL: `ftp://admin:${ARGOCD_TOKEN}@argocd` },
      { MERGEPLANE_ARGOCD_URL: `admin:${ARGOCD_TOKEN}` },
      { MERGEPLANE_ARGOCD_TOKEN: ARGOCD_TOKEN },
      { PORT: 'x', ...secretsSet },
    ];
    for (const overrides of failing) {
      const error = envError(overrides, (path) => (path === 'bad.pem' ? TRUNCATED_BODY : noFiles(path)));
      const text = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
      for (const secret of secrets) expect(text, `${error.message}`).not.toContain(secret);
    }
  });

  it('takes a read-only Argo CD token for the live diff, beside the Argo CD server', () => {
    const env = load({
      MERGEPLANE_ARGOCD_URL: 'https://argocd.example.com/',
      MERGEPLANE_ARGOCD_TOKEN: ` ${ARGOCD_TOKEN}\n`,
    });
    expect(env).toMatchObject({ argocdUrl: 'https://argocd.example.com', argocdToken: ARGOCD_TOKEN });
    expect(load({ MERGEPLANE_ARGOCD_URL: 'https://argocd.example.com' }).argocdToken).toBeUndefined();
  });

  it('reads the webhook secret from WEBHOOK_SECRET_PATH, without its trailing newline', () => {
    const files: Record<string, string> = { 'hook.secret': `${WEBHOOK_SECRET}\n` };
    const env = load(
      { WEBHOOK_SECRET: undefined, WEBHOOK_SECRET_PATH: 'hook.secret' },
      (p) => files[p] ?? noFiles(p),
    );
    expect(env.webhookSecret).toBe(WEBHOOK_SECRET);
    expect(envError({ WEBHOOK_SECRET_PATH: 'hook.secret' }, (p) => files[p] ?? noFiles(p)).message).toMatch(
      /either WEBHOOK_SECRET or WEBHOOK_SECRET_PATH/,
    );
    expect(envError({ WEBHOOK_SECRET: undefined, WEBHOOK_SECRET_PATH: 'missing' }, noFiles).message).toBe(
      'WEBHOOK_SECRET_PATH: cannot read "missing" (no such file)',
    );
  });

  it('refuses a render user that is root or malformed', () => {
    expect(envError({ MERGEPLANE_RENDER_USER: '0:0' }).variable).toBe('MERGEPLANE_RENDER_USER');
    expect(envError({ MERGEPLANE_RENDER_USER: 'nobody' }).message).toMatch(
      /^MERGEPLANE_RENDER_USER: must be UID:GID or off/,
    );
  });

  it('refuses unusable chart fetch settings at start, naming the variable', () => {
    expect(envError({ MERGEPLANE_CHART_ALLOW_HTTP: 'maybe' }).message).toMatch(
      /^MERGEPLANE_CHART_ALLOW_HTTP: "maybe" is not true or false/,
    );
    expect(envError({ MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS: 'sure' }).variable).toBe(
      'MERGEPLANE_CHART_ALLOW_PRIVATE_NETWORKS',
    );
    expect(envError({ MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES: 'http://r:5000' }).variable).toBe(
      'MERGEPLANE_CHART_PLAIN_HTTP_REGISTRIES',
    );
    expect(envError({ MERGEPLANE_CHART_CREDENTIALS_PATH: '/nonexistent/credentials.yaml' }).message).toMatch(
      /^MERGEPLANE_CHART_CREDENTIALS_PATH: \/nonexistent\/credentials\.yaml: ENOENT/,
    );
  });

  it('is documented variable by variable in .env.example', () => {
    const lines = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').split('\n');
    const entries = lines.flatMap((line, i) => {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      return match ? [{ name: match[1]!, value: match[2]!, comment: lines[i - 1] ?? '' }] : [];
    });
    expect(entries.map((e) => e.name)).toEqual([...SERVER_ENV_VARIABLES]);
    for (const entry of entries) expect(entry.comment, entry.name).toMatch(/^# .+ Default: .+ Example: .+/);
    // The template carries no values, so filling in the required ones yields the defaults.
    const template = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    expect(loadServerEnv({ ...template, ...BASE })).toEqual(loadServerEnv(BASE));
  });
});
