import type { Logger } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import type { ServerEnv } from './server-env.ts';

/**
 * Overrides of the retry and throttling plugins Probot's Octokit ships with (both on: retries on 5xx, waits
 * out primary rate limits, spaces writes; secondary rate limits are retried by our handler). Production
 * passes nothing; tests and benchmarks shorten the waits.
 */
export interface OctokitTuning {
  retry?: { enabled?: boolean; retries?: number; retryAfterBaseValue?: number };
  throttle?: { enabled?: boolean; retryAfterBaseValue?: number; fallbackSecondaryRateRetryAfter?: number };
}

export interface CreateProbotOptions {
  env: ServerEnv;
  logger: Logger;
  octokit?: OctokitTuning;
}

type RequestWithDefaults = ((...args: never[]) => unknown) & {
  defaults(options: { baseUrl: string }): unknown;
};

function isRequest(value: unknown): value is RequestWithDefaults {
  return typeof value === 'function' && 'defaults' in value && typeof value.defaults === 'function';
}

/** Retries of one request after GitHub's secondary rate limit (each waits the `retry-after` GitHub sent). */
export const SECONDARY_RATE_LIMIT_RETRIES = 3;

function configuredOctokit(
  tuning: OctokitTuning | undefined,
  baseUrl: string | undefined,
  logger: Logger,
): typeof ProbotOctokit {
  const log = logger.child({ component: 'octokit' });
  // Probot 14's handler only logs a secondary rate limit and gives up, which would fail the plan.
  const onSecondaryRateLimit = (
    retryAfter: number,
    request: { method?: string; url?: string },
    _octokit: unknown,
    retryCount: number,
  ): boolean => {
    const retry = retryCount < SECONDARY_RATE_LIMIT_RETRIES;
    log.warn(
      { method: request.method, url: request.url, retryAfter, retryCount, retry },
      'github secondary rate limit',
    );
    return retry;
  };
  // A function, not an object: an object would replace Probot's `throttle` defaults (its rate-limit handlers)
  // instead of being merged into them.
  return ProbotOctokit.defaults((options: Record<string, unknown>) => {
    const auth = options.auth as Record<string, unknown> | undefined;
    return {
      ...options,
      ...(tuning?.retry === undefined
        ? {}
        : { retry: { ...(options.retry as object | undefined), ...tuning.retry } }),
      throttle: { ...(options.throttle as object | undefined), onSecondaryRateLimit, ...tuning?.throttle },
      // Probot gives the App auth a plain `request` without the Enterprise base URL. API calls pass their own
      // base URL to it, but `octokit.auth({ type: 'installation' })` (the token for git) would ask
      // api.github.com for the token: the base URL is added here.
      ...(baseUrl !== undefined && auth !== undefined && isRequest(auth.request)
        ? { auth: { ...auth, request: auth.request.defaults({ baseUrl }) } }
        : {}),
    };
  });
}

/** Probot for the App of `env`: its key, webhook secret, GitHub Enterprise base URL and our logger. */
export function createProbot(options: CreateProbotOptions): Probot {
  const { env } = options;
  return new Probot({
    appId: env.appId,
    privateKey: env.privateKey,
    secret: env.webhookSecret,
    log: options.logger,
    Octokit: configuredOctokit(options.octokit, env.github.baseUrl, options.logger),
    ...(env.github.baseUrl === undefined ? {} : { baseUrl: env.github.baseUrl }),
  });
}
