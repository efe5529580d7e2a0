import type { Octokit } from '@octokit/rest';
import { type CommitState, createCommitStatus } from '../github/commit-status.ts';
import type { DeliverStateStore, PendingStatus } from '../queue/deliver-state-store.ts';

export interface DeliverStatusWrite {
  octokit: Octokit;
  pending: PendingStatus;
  state: CommitState;
  description: string;
  /** For pending: when the watchdog may give up on it. */
  deadline?: number;
}

export interface DeliverStatusPublisherOptions {
  store: DeliverStateStore;
  /** How long a pending status without its own deadline stays before the watchdog may give up on it. */
  statusGraceMs: number;
}

/** Posts a delivery commit status and keeps the watchdog's pending records in step with it. */
export type DeliverStatusPublisher = (write: DeliverStatusWrite) => Promise<void>;

export function createDeliverStatusPublisher(options: DeliverStatusPublisherOptions): DeliverStatusPublisher {
  const { store, statusGraceMs } = options;
  return async (write) => {
    const { pending } = write;
    const status = {
      owner: pending.owner,
      repo: pending.repo,
      sha: pending.sha,
      context: pending.context,
      state: write.state,
      description: write.description,
      ...(pending.targetUrl !== undefined ? { targetUrl: pending.targetUrl } : {}),
    };
    if (write.state === 'pending') {
      await store.markPending(pending, write.deadline ?? Date.now() + statusGraceMs);
      await createCommitStatus(write.octokit, status);
      return;
    }
    // Take the pending record first: then the watchdog cannot post `error` after our final state.
    await store.resolvePending(pending);
    try {
      await createCommitStatus(write.octokit, status);
    } catch (error) {
      await store.markPending(pending, Date.now() + statusGraceMs);
      throw error;
    }
  };
}
