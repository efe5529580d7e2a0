import { Watch } from '@kubernetes/client-node';
import { isRecord } from '../model/kube-object.ts';
import { classifyKubeError, httpStatusOf, KubePermanentError } from './kube-errors.ts';
import { describeRef, type KubeObjectClient, type KubeRecord, type KubeRef } from './kube-object-client.ts';

/** What a check says about the object as last seen: finished with a value, or keep waiting. */
export type WaitCheck<T> = { done: true; value: T } | { done: false; recheckAtMs?: number };

export interface WaitForObjectOptions<T> {
  client: KubeObjectClient;
  ref: KubeRef;
  /** Epoch ms after which waiting stops with `timeout`. */
  deadlineMs: number;
  signal?: AbortSignal;
  /** Called with the object (undefined while it does not exist) on the start state and on every change. */
  check: (object: KubeRecord | undefined) => WaitCheck<T>;
  /** The state to start from (e.g. a patch response), skipping the initial read. */
  initial?: { object: KubeRecord | undefined; resourceVersion: string };
  /** Delay before resuming after a watch failed (doubles, capped at 2 s). */
  retryDelayMs?: number;
  /**
   * Asks the server to end each watch after this long (default 25 s); we then resume from the last
   * resourceVersion. Shorter than client-node's 30 s inactivity limit, so quiet watches end cleanly.
   */
  watchTimeoutSeconds?: number;
}

export type WaitResult<T> =
  | { status: 'done'; value: T; object: KubeRecord | undefined }
  | { status: 'timeout' | 'aborted'; object: KubeRecord | undefined };

type SessionEnd =
  | { kind: 'done' | 'deadline' | 'aborted' | 'recheck' | 'closed' | 'expired' }
  | { kind: 'failed'; error: unknown };

function resourceVersionOf(object: unknown): string | undefined {
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  const rv = object.metadata.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * One watch request: resolves when the awaited state is seen, the deadline or a recheck time comes, the signal
 * aborts, or the server ends or fails the watch. Keeps the latest object and resourceVersion seen.
 */
async function watchSession<T>(o: {
  watch: Watch;
  path: string;
  options: WaitForObjectOptions<T>;
  object: KubeRecord | undefined;
  resourceVersion: string;
  checked: WaitCheck<T>;
}): Promise<{
  end: SessionEnd;
  latest: { check: WaitCheck<T> };
  events: number;
  object: KubeRecord | undefined;
  resourceVersion: string;
}> {
  const { watch, path, options, checked } = o;
  const { ref, signal } = options;
  let { object, resourceVersion } = o;
  const latest: { check: WaitCheck<T> } = { check: checked };
  let events = 0;
  const end = await new Promise<SessionEnd>((resolve) => {
    let settled = false;
    let controller: AbortController | undefined;
    let recheckTimer: NodeJS.Timeout | undefined;
    const deadlineTimer = setTimeout(
      () => finish({ kind: 'deadline' }),
      Math.max(0, options.deadlineMs - Date.now()),
    );
    const onAbort = () => finish({ kind: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });

    function scheduleRecheck(check: WaitCheck<T>) {
      if (recheckTimer) clearTimeout(recheckTimer);
      recheckTimer = undefined;
      if (!check.done && check.recheckAtMs !== undefined) {
        recheckTimer = setTimeout(
          () => finish({ kind: 'recheck' }),
          Math.max(0, check.recheckAtMs - Date.now()),
        );
      }
    }
    function finish(sessionEnd: SessionEnd) {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      if (recheckTimer) clearTimeout(recheckTimer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      resolve(sessionEnd);
    }
    scheduleRecheck(checked);

    watch
      .watch(
        path,
        {
          fieldSelector: `metadata.name=${ref.name}`,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: options.watchTimeoutSeconds ?? 25,
        },
        (type: string, eventObject: unknown) => {
          if (settled) return;
          if (type === 'ERROR') {
            // A Status object: 410 Gone means our resourceVersion is too old to resume from.
            const code = isRecord(eventObject) ? eventObject.code : undefined;
            finish(
              code === 410
                ? { kind: 'expired' }
                : {
                    kind: 'failed',
                    error: Object.assign(new Error('watch error event'), { statusCode: code }),
                  },
            );
            return;
          }
          resourceVersion = resourceVersionOf(eventObject) ?? resourceVersion;
          if (type === 'BOOKMARK') return;
          events += 1;
          object = type === 'DELETED' || !isRecord(eventObject) ? undefined : eventObject;
          latest.check = options.check(object);
          if (latest.check.done) finish({ kind: 'done' });
          else scheduleRecheck(latest.check);
        },
        (error: unknown) => finish(error ? { kind: 'failed', error } : { kind: 'closed' }),
      )
      .then(
        (started) => {
          controller = started;
          if (settled) started.abort();
        },
        (error: unknown) => finish({ kind: 'failed', error }),
      );
  });
  return { end, latest, events, object, resourceVersion };
}

/**
 * Waits for one object to reach a state, with a watch (`fieldSelector=metadata.name=...`) rather than polling.
 * A watch the server ends is resumed from the last resourceVersion seen; an expired one (410 Gone) re-reads the
 * object first. Refused watches (403, 404 for the kind) and requests that keep failing throw typed errors.
 * Stops at the deadline or when the signal aborts, closing the watch.
 */
export async function waitForObject<T>(options: WaitForObjectOptions<T>): Promise<WaitResult<T>> {
  const { client, ref, signal } = options;
  const retryDelayMs = options.retryDelayMs ?? 100;
  let { object, resourceVersion } = options.initial ?? (await client.getForWatch(ref));
  const path = await client.collectionPath(ref);
  const watch = new Watch(client.kubeConfig);
  let failures = 0;

  for (;;) {
    if (signal?.aborted) return { status: 'aborted', object };
    const checked = options.check(object);
    if (checked.done) return { status: 'done', value: checked.value, object };
    if (Date.now() >= options.deadlineMs) return { status: 'timeout', object };

    const session = await watchSession({ watch, path, options, object, resourceVersion, checked });
    ({ object, resourceVersion } = session);
    const { end, latest, events } = session;
    if (end.kind === 'done' && latest.check.done)
      return { status: 'done', value: latest.check.value, object };
    if (end.kind === 'aborted') return { status: 'aborted', object };
    if (end.kind === 'deadline') {
      // One last look: the state may have been reached at the very moment the deadline fired.
      const last = options.check(object);
      return last.done ? { status: 'done', value: last.value, object } : { status: 'timeout', object };
    }
    if (end.kind === 'recheck') continue;
    if (end.kind === 'closed' && events > 0) {
      failures = 0;
      continue;
    }
    if (end.kind === 'failed') {
      const status = httpStatusOf(end.error);
      const timedOut = end.error instanceof Error && end.error.name === 'TimeoutError';
      if (status !== undefined && status !== 410 && !timedOut) {
        const classified = classifyKubeError(end.error, `watch ${describeRef(ref)}`);
        if (classified instanceof KubePermanentError) throw classified;
      }
    }
    // Closed without news, expired, or failed transiently: back off, then re-read so nothing is missed.
    failures += 1;
    const backoff = Math.min(retryDelayMs * 2 ** Math.min(failures - 1, 5), 2_000);
    await sleep(Math.max(0, Math.min(backoff, options.deadlineMs - Date.now())), signal);
    if (signal?.aborted) return { status: 'aborted', object };
    if (end.kind === 'closed') continue;
    ({ object, resourceVersion } = await client.getForWatch(ref));
  }
}
