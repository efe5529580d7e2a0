import type { FakeKubeStore, ObjectRef } from './fake-kube-store.ts';
import type { KubeRecord } from './json-values.ts';

/**
 * Resolves with the object once `predicate` holds (checked now and after every store event), or
 * rejects after `timeoutMs` — a guard against hanging, not a timing assertion. `undefined` is passed
 * while the object does not exist, so a predicate can wait for a deletion.
 */
export function waitForObject(
  store: FakeKubeStore,
  ref: ObjectRef,
  predicate: (object: KubeRecord | undefined) => boolean,
  timeoutMs = 5000,
): Promise<KubeRecord | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const check = (): void => {
      if (settled) return;
      const object = store.get(ref);
      if (!predicate(object)) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(object);
    };
    const timer = setTimeout(() => {
      settled = true;
      unsubscribe();
      reject(
        new Error(
          `timed out waiting for ${ref.kind} ${ref.namespace ?? ''}/${ref.name}: ${JSON.stringify(store.get(ref)?.status)}`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = store.watch(() => check());
    check();
  });
}
