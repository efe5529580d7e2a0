import { readFileSync } from 'node:fs';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createApp } from '../../../src/app.ts';
import type { HandlerLogger } from '../../../src/github/handlers/handler-deps.ts';
import { createPlanQueue, type PlanQueue } from '../../../src/queue/plan-queue.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from '../../queue/redis-test-env.ts';
import { assertGitHubRequests, type GitHubRequest } from '../../support/github-openapi.ts';

type Json = Record<string, unknown>;

interface ExampleGroup {
  name: string;
  examples: Json[];
}

const examples: ExampleGroup[] = JSON.parse(
  readFileSync(
    new URL('../../../node_modules/@octokit/webhooks-examples/api.github.com/index.json', import.meta.url),
    'utf8',
  ),
);

/**
 * A deep copy of a real webhook example: the `index`-th one of event `name` with that `action` that
 * carries an `installation` (the App always receives one).
 */
export function webhookExample(name: string, action: string, index = 0): Json {
  const group = examples.find((g) => g.name === name);
  const matching = (group?.examples ?? []).filter((e) => e.action === action && e.installation);
  const example = matching[index];
  if (!example) throw new Error(`no ${name}.${action} example #${index} with an installation`);
  return structuredClone(example);
}

export interface LogEntry {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

export const GITHUB = 'https://api.github.com';

/** A Probot running the app against a real plan queue (random Redis prefix) and nock for GitHub. */
export function createHandlerTestEnv() {
  const scope = createRedisScope();
  const planQueue: PlanQueue = scope.track(createPlanQueue({ connection: redisUrl, prefix: scope.prefix }));
  const logs: LogEntry[] = [];
  const log: HandlerLogger = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
  };
  const requests: GitHubRequest[] = [];
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
  const loaded = probot.load(createApp({ planQueue, log }));
  const github = nock(GITHUB);

  return {
    planQueue,
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
    async receive(name: string, payload: Json, id = `delivery-${requests.length}-${logs.length}`) {
      await loaded;
      // Examples are untyped JSON; Probot types each event name's payload.
      await probot.receive({ id, name, payload } as unknown as Parameters<Probot['receive']>[0]);
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
 * Registers the lifecycle every handler test file shares: Redis must answer, the network is off except
 * loopback (Redis), each test gets a fresh env, and afterwards every GitHub request is checked against
 * the OpenAPI description and every interceptor must have been used. `current()` is the test's env.
 */
export function useHandlerTestEnv(options: { afterEachTest?: (env: HandlerTestEnv) => void } = {}): {
  current(): HandlerTestEnv;
} {
  let env: HandlerTestEnv | undefined;
  beforeAll(async () => {
    await assertRedisReachable();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  beforeEach(() => {
    env = createHandlerTestEnv();
  });
  afterEach(async () => {
    const finished = env!;
    try {
      options.afterEachTest?.(finished);
      assertGitHubRequests(finished.requests);
      finished.github.done();
    } finally {
      await finished.cleanup();
    }
  });
  return { current: () => env! };
}

export type HandlerTestEnv = ReturnType<typeof createHandlerTestEnv>;
