import type { FakeKube, FakeKubeRequestRecord } from '../support/fake-kube/fake-kube-server.ts';

/**
 * Resolves once the fake API server has received `count` requests matching the predicate, so a test can
 * change the cluster exactly when the code under test is watching (not after a guessed delay).
 * Rejects after `guardMs` as a guard against hanging.
 */
export function waitForRequest(
  kube: FakeKube,
  matches: (request: FakeKubeRequestRecord) => boolean,
  count = 1,
  guardMs = 5_000,
): Promise<void> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (kube.requests.filter(matches).length >= count) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - startedAt > guardMs) {
        clearInterval(timer);
        reject(new Error(`expected ${count} matching request(s) within ${guardMs} ms`));
      }
    }, 5);
  });
}

/** A watch request on a collection path. */
export function isWatchOf(path: string): (request: FakeKubeRequestRecord) => boolean {
  return (request) => request.path === path && new URLSearchParams(request.query).get('watch') === 'true';
}
