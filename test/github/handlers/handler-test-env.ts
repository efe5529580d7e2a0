import { readFileSync } from 'node:fs';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createApp } from '../../../src/app.ts';
import type {
  DeliveryRetrier,
  HandlerDeps,
  HandlerLogger,
} from '../../../src/github/handlers/handler-deps.ts';
import { createPlanQueue, type PlanQueue } from '../../../src/queue/plan-queue.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from '../../queue/redis-test-env.ts';
import { assertGitHubRequests, type GitHubRequest } from '../../support/github-openapi.ts';

type Json = Record<string, unknown>;

interface ExampleGroup {
  name: string;
  examples: Json[];
}

// 4 MB of JSON: parsed on first use, so files that only need the lifecycle do not pay for it.
let examples: ExampleGroup[] | undefined;

function allExamples(): ExampleGroup[] {
  examples ??= JSON.parse(
    readFileSync(
      new URL('../../../node_modules/@octokit/webhooks-examples/api.github.com/index.json', import.meta.url),
      'utf8',
    ),
  ) as ExampleGroup[];
  return examples;
}

/**
 * A deep copy of a real webhook example: the `index`-th one of event `name` with that `action` that
 * carries an `installation` (the App always receives one).
 */
export function webhookExample(name: string, action: string, index = 0): Json {
  const matching = webhookExamples(name).filter((e) => e.action === action && e.installation);
  const example = matching[index];
  if (!example) throw new Error(`no ${name}.${action} example #${index} with an installation`);
  return example;
}

/** Deep copies of every real webhook example of event `name`, for tests that pick by more than the action. */
export function webhookExamples(name: string): Json[] {
  return structuredClone(allExamples().find((g) => g.name === name)?.examples ?? []);
}

export interface LogEntry {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

export const GITHUB = 'https://api.github.com';

/** A logger that appends every entry to `logs`. */
export function recordingLogger(logs: LogEntry[]): HandlerLogger {
  return {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
  };
}

/**
 * A Probot with `app` loaded; returns how to deliver a webhook to it. Octokit retries and throttling are
 * off so a test sees each request once and at once.
 */
export function loadTestProbot(app: (probot: Probot) => void): {
  receive(name: string, payload: Json, id: string): Promise<void>;
} {
  const probot = new Probot({
    githubToken: 'test',
    logLevel: 'fatal',
    // A function, not an object: Probot's own defaults would otherwise replace `throttle` (1 s between writes).
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const loaded = probot.load(app);
  return {
    async receive(name, payload, id) {
      await loaded;
      // Examples are untyped JSON; Probot types each event name's payload.
      await probot.receive({ id, name, payload } as unknown as Parameters<Probot['receive']>[0]);
    },
  };
}

export interface HandlerTestOptions {
  deliveryRetrier?: DeliveryRetrier;
  driftChecker?: HandlerDeps['driftChecker'];
}

/** A Probot running the app against a real plan queue (random Redis prefix) and nock for GitHub. */
export function createHandlerTestEnv(options: HandlerTestOptions = {}) {
  const scope = createRedisScope();
  const planQueue: PlanQueue = scope.track(createPlanQueue({ connection: redisUrl, prefix: scope.prefix }));
  const logs: LogEntry[] = [];
  const log = recordingLogger(logs);
  const requests: GitHubRequest[] = [];
  const app = loadTestProbot(
    createApp({
      planQueue,
      log,
      ...(options.deliveryRetrier === undefined ? {} : { deliveryRetrier: options.deliveryRetrier }),
      ...(options.driftChecker === undefined ? {} : { driftChecker: options.driftChecker }),
    }),
  );
  const github = nock(GITHUB);

  return {
    planQueue,
    /** The Redis key prefix of this test's queue. */
    prefix: scope.prefix,
    logs,
    requests,
    github,
    /** A reply (nock 15 passes the fetch `Request`) that records the request for the OpenAPI oracle. */
    recordAndReply(status: number, response: unknown = {}, onBody?: (body: unknown) => void) {
      return async (request: Request): Promise<[number, unknown]> => {
        const text = await request.text();
        const body: unknown = text === '' ? undefined : JSON.parse(text);
        requests.push({ method: request.method, url: request.url, body });
        onBody?.(body);
        return [status, response];
      };
    },
    receive(name: string, payload: Json, id = `delivery-${requests.length}-${logs.length}`): Promise<void> {
      return app.receive(name, payload, id);
    },
    /** Removes every job (the per pull request plan state stays). */
    async cleanupJobs(): Promise<void> {
      await planQueue.queue.obliterate({ force: true });
    },
    async jobCount(): Promise<number> {
      const counts = await planQueue.queue.getJobCounts();
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    async cleanup() {
      try {
        await scope.cleanup();
      } finally {
        nock.cleanAll();
      }
    },
  };
}

/**
 * Registers the lifecycle the webhook and delivery test files share: Redis must answer, the network is off
 * except loopback (Redis), each test gets a fresh env from `create`, and afterwards `verify` runs on it and
 * it is cleaned up even when `verify` throws. `current()` is the test's env.
 */
export function useOfflineTestEnv<E extends { cleanup(): Promise<void> }>(options: {
  create: () => E;
  verify?: (env: E) => void;
}): { current(): E } {
  let env: E | undefined;
  beforeAll(async () => {
    await assertRedisReachable();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  beforeEach(() => {
    env = options.create();
  });
  afterEach(async () => {
    const finished = env!;
    try {
      options.verify?.(finished);
    } finally {
      await finished.cleanup();
    }
  });
  return { current: () => env! };
}

/**
 * The handler test files' lifecycle (`useOfflineTestEnv`): afterwards every GitHub request is checked
 * against the OpenAPI description and every interceptor must have been used.
 */
export function useHandlerTestEnv(
  options: { afterEachTest?: (env: HandlerTestEnv) => void } & HandlerTestOptions = {},
): {
  current(): HandlerTestEnv;
} {
  return useOfflineTestEnv({
    create: () =>
      createHandlerTestEnv({
        ...(options.deliveryRetrier === undefined ? {} : { deliveryRetrier: options.deliveryRetrier }),
        ...(options.driftChecker === undefined ? {} : { driftChecker: options.driftChecker }),
      }),
    verify: (env) => {
      options.afterEachTest?.(env);
      assertGitHubRequests(env.requests);
      env.github.done();
    },
  });
}

export type HandlerTestEnv = ReturnType<typeof createHandlerTestEnv>;
