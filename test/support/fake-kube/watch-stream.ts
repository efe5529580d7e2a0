import type { ServerResponse } from 'node:http';
import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { type FakeKubeStore, type StoreEvent, sameType, type WatchEventType } from './fake-kube-store.ts';
import { type KubeRecord, metadataOf } from './json-values.ts';
import type { ResolvedResourceType } from './resource-types.ts';
import { matchesSelector, type ObjectSelector } from './selectors.ts';

export interface WatchStreamOptions {
  store: FakeKubeStore;
  type: ResolvedResourceType;
  /** Undefined: every namespace (or a cluster-scoped type). */
  namespace: string | undefined;
  selector: ObjectSelector;
  /** `?resourceVersion=`: unset or "0" starts with ADDED events for the current objects. */
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  /** Send a BOOKMARK with the current resourceVersion this often (only when the client allows bookmarks). */
  bookmarkIntervalMs?: number;
  response: ServerResponse;
}

export interface WatchStream {
  /** Ends the response (the client sees the stream close). */
  close(): void;
  /** Settles when the stream has ended for any reason. */
  ended: Promise<void>;
}

/**
 * A watch response as the real server streams it: one JSON event per line. An object that starts or
 * stops matching the selector is reported as ADDED or DELETED, as the real watch cache does. A
 * resourceVersion older than the kept history ends the stream with an ERROR event carrying a 410
 * Expired Status, which informers answer by listing again.
 */
export function startWatchStream(options: WatchStreamOptions): WatchStream {
  const { store, type, namespace, selector, response } = options;
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  response.flushHeaders();

  const send = (eventType: WatchEventType | 'ERROR' | 'BOOKMARK', object: KubeRecord): void => {
    if (!response.writableEnded) response.write(`${JSON.stringify({ type: eventType, object })}\n`);
  };
  const forward = (event: StoreEvent): void => {
    if (!sameType(event.resourceType, type)) return;
    if (namespace !== undefined && metadataOf(event.object).namespace !== namespace) return;
    const now = matchesSelector(event.object, selector);
    if (event.type !== 'MODIFIED') {
      if (now) send(event.type, event.object);
      return;
    }
    const before = event.previous !== undefined && matchesSelector(event.previous, selector);
    if (now) send(before ? 'MODIFIED' : 'ADDED', event.object);
    else if (before) send('DELETED', event.object);
  };

  let unsubscribe: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let bookmarks: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    response.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (bookmarks) clearInterval(bookmarks);
      resolve();
    });
  });
  const close = (): void => {
    if (!response.writableEnded) response.end();
  };

  const from = options.resourceVersion;
  if (from === undefined || from === '' || from === '0') {
    for (const object of store.snapshot(type, namespace, selector)) send('ADDED', object);
  } else {
    const since = Number(from);
    const events = Number.isInteger(since) ? store.eventsSince(type, since) : 'invalid';
    if (events === 'expired' || events === 'invalid') {
      const reason = events === 'expired' ? 'Expired' : 'BadRequest';
      const message =
        events === 'expired'
          ? `too old resource version: ${from} (${store.resourceVersion})`
          : `invalid resource version: ${from}`;
      send('ERROR', new FakeKubeApiError(reason, message).toStatus());
      close();
      return { close, ended };
    }
    for (const event of events) forward(event);
  }
  unsubscribe = store.watch(forward);
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
    timer = setTimeout(close, options.timeoutSeconds * 1000);
  }
  if (options.bookmarkIntervalMs !== undefined && options.bookmarkIntervalMs > 0) {
    bookmarks = setInterval(() => {
      send('BOOKMARK', {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { resourceVersion: store.resourceVersion },
      });
    }, options.bookmarkIntervalMs);
  }
  return { close, ended };
}
