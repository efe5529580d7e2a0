import { ApiException } from '@kubernetes/client-node';
import { isRecord } from '../model/kube-object.ts';

/** What both kinds of failed Kubernetes call carry; callers tell the kinds apart with `instanceof`. */
abstract class KubeCallError extends Error {
  readonly status: number | undefined;
  readonly reason: string;
  constructor(reason: string, options: { status?: number; cause?: unknown } = {}) {
    super(reason, { cause: options.cause });
    this.reason = reason;
    this.status = options.status;
  }
}

/**
 * A Kubernetes call that may succeed when retried later: 5xx, 429, a 409 conflict that survived our own
 * retries, a network error. `reason` is written for people and never carries Secret values.
 */
export class KubeTransientError extends KubeCallError {
  override readonly name = 'KubeTransientError';
}

/**
 * A Kubernetes call that retrying cannot fix: 403 Forbidden, 422 Invalid, 400, a missing CRD or a required
 * object that does not exist. `reason` never carries Secret values.
 */
export class KubePermanentError extends KubeCallError {
  override readonly name = 'KubePermanentError';
}

export type KubeError = KubeTransientError | KubePermanentError;

/**
 * The HTTP status of a failed client-node call: `ApiException.code` for requests, `statusCode` for the
 * errors `Watch` reports when the watch request itself is refused. Undefined for network errors.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return typeof error.code === 'number' ? error.code : undefined;
  if (isRecord(error) && typeof error.statusCode === 'number') return error.statusCode;
  return undefined;
}

/** True for a 404 from the API server (the object, or its kind, does not exist). */
export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** True for a 409 Conflict (resourceVersion precondition failed, or the object already exists). */
export function isConflict(error: unknown): boolean {
  return httpStatusOf(error) === 409;
}

/**
 * The API server's own explanation (`Status.message`, e.g. "applications.argoproj.io \"x\" is forbidden: ...").
 * Status messages name objects and fields, never data values, so they are safe to show; still bounded in length.
 */
function statusMessage(error: unknown): string | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body: unknown = error.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (isRecord(parsed) && typeof parsed.message === 'string' && parsed.message !== '') {
    return parsed.message.length > 300 ? `${parsed.message.slice(0, 300)}…` : parsed.message;
  }
  return undefined;
}

/** Network failures from undici (`fetch failed` with a cause code such as ECONNREFUSED), and timeouts. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return current.name;
    current = current.cause;
  }
  return undefined;
}

/**
 * Turns whatever a client-node call threw into a typed error. `action` names what was attempted
 * ("read Application argocd/web"); it is the start of the reason, followed by the status and the server's message.
 * Errors that are already typed pass through unchanged.
 */
export function classifyKubeError(error: unknown, action: string): KubeError {
  if (error instanceof KubeTransientError || error instanceof KubePermanentError) return error;
  const status = httpStatusOf(error);
  const message = statusMessage(error);
  if (status !== undefined) {
    const reason = `${action}: HTTP ${status}${message ? ` (${message})` : ''}`;
    if (status === 409 || status === 429 || status === 408 || status >= 500) {
      return new KubeTransientError(reason, { status, cause: error });
    }
    return new KubePermanentError(reason, { status, cause: error });
  }
  const code = networkCode(error);
  if (code !== undefined || error instanceof TypeError) {
    return new KubeTransientError(`${action}: network error${code ? ` (${code})` : ''}`, { cause: error });
  }
  // client-node's own failures before any request (e.g. "Unrecognized API version and kind" when discovery
  // does not list the kind — the CRD is not installed) cannot be fixed by retrying.
  const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new KubePermanentError(`${action}: ${text}`, { cause: error });
}
