import { metadataOf } from './json-values.ts';
import type { ResolvedResourceType } from './resource-types.ts';
import type { StoreEvent, WatchFilter } from './store-types.ts';
import { sameType } from './write-rules.ts';

/**
 * Fans committed changes out to listeners, in commit order, and keeps a bounded history for watches
 * that resume from a resourceVersion. Listeners run synchronously; an event published from inside a
 * listener is queued until the current one has reached every listener, so all see the same order.
 */
export class StoreEventHub {
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #history: StoreEvent[] = [];
  readonly #pending: StoreEvent[] = [];
  readonly #historyLimit: number;
  #dispatching = false;

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  subscribe(listener: (event: StoreEvent) => void, filter: WatchFilter = {}): () => void {
    const filtered = (event: StoreEvent): void => {
      if (filter.apiVersion && event.resourceType.apiVersion !== filter.apiVersion) return;
      if (filter.kind && event.resourceType.kind !== filter.kind) return;
      if (filter.namespace && metadataOf(event.object).namespace !== filter.namespace) return;
      listener(event);
    };
    this.#listeners.add(filtered);
    return () => {
      this.#listeners.delete(filtered);
    };
  }

  /** Events of one type after `resourceVersion`, or 'expired' when the history no longer reaches back. */
  since(type: ResolvedResourceType, resourceVersion: number, latest: number): StoreEvent[] | 'expired' {
    const oldest = this.#history[0]?.resourceVersion ?? latest + 1;
    if (resourceVersion < oldest - 1) return 'expired';
    return this.#history.filter((e) => e.resourceVersion > resourceVersion && sameType(e.resourceType, type));
  }

  publish(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) this.#history.shift();
    this.#pending.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        for (const listener of [...this.#listeners]) {
          try {
            listener(next);
          } catch (error) {
            // Surface listener bugs as uncaught errors (the test runner reports them) without
            // breaking the write or the other listeners.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      }
    } finally {
      this.#dispatching = false;
    }
  }
}
