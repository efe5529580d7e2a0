import type { DriftRecorder } from '../model/drift.ts';
import type { DriftQueue } from '../queue/drift-queue.ts';
import type { DriftStore } from '../queue/drift-store.ts';

/**
 * After each merge's delivery plan: keeps what the default branch now defines, and schedules the repository's drift
 * check every `drift.intervalMinutes` — or stops it when the merge's config turns `drift.enabled` off.
 */
export function createDriftRecorder(o: { store: DriftStore; queue: DriftQueue }): DriftRecorder {
  return async (repo, drift, kubeContext) => {
    if (!drift.enabled) {
      await o.queue.unschedule(repo);
      return;
    }
    await o.store.saveDefinitions(repo, {
      definitions: drift.definitions,
      ...(kubeContext === undefined ? {} : { kubeContext }),
    });
    await o.queue.schedule(
      { installationId: repo.installationId, owner: repo.owner, repo: repo.repo },
      drift.intervalMinutes * 60_000,
    );
  };
}
