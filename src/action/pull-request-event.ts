import { plansPullRequestAction } from '../github/plans-pull-request-action.ts';
import { isRecord } from '../model/kube-object.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import { ActionInputError } from './action-env.ts';

/** What the event asks of the Action: plan this pull request, or nothing (and why). */
export type ActionPullRequest =
  | {
      plan: PlanJobData;
      /**
       * The head comes from another repository: in a `pull_request` workflow its token is read-only, so the
       * plan is reported in the job (summary, outputs) and not published.
       */
      fork: boolean;
    }
  | { skip: string };

const SHA = /^[0-9a-f]{40}$/i;

function text(record: Record<string, unknown>, key: string, where: string): string {
  const found = record[key];
  if (typeof found !== 'string' || found === '') {
    throw new ActionInputError(`the event file has no ${where}.${key}`);
  }
  return found;
}

function record(parent: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const found = parent[key];
  if (!isRecord(found)) throw new ActionInputError(`the event file has no ${where}.${key}`);
  return found;
}

/**
 * The `pull_request` event of the workflow run (`GITHUB_EVENT_PATH`), as the plan job the App would queue for it.
 * Other events are refused: `pull_request_target` would hand a write token to a job that renders the head's
 * untrusted charts in the same user.
 */
export function pullRequestFromEvent(eventName: string, payload: unknown, runId: string): ActionPullRequest {
  if (eventName !== 'pull_request') {
    throw new ActionInputError(
      `runs on pull_request events, not ${eventName}` +
        (eventName === 'pull_request_target'
          ? ' (pull_request_target gives a write token to a job that renders the head: use pull_request)'
          : ''),
    );
  }
  if (!isRecord(payload)) throw new ActionInputError('the event file is not a JSON object');
  const action = text(payload, 'action', 'event');
  if (!plansPullRequestAction(action, isRecord(payload.changes) ? payload.changes : undefined)) {
    return { skip: `pull_request ${action} does not change the plan` };
  }
  const pull = record(payload, 'pull_request', 'event');
  const repository = record(payload, 'repository', 'event');
  const head = record(pull, 'head', 'pull_request');
  const base = record(pull, 'base', 'pull_request');
  const owner = text(record(repository, 'owner', 'repository'), 'login', 'repository.owner');
  const repo = text(repository, 'name', 'repository');
  const headSha = text(head, 'sha', 'pull_request.head');
  const number = pull.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw new ActionInputError('the event file has no pull_request.number');
  }
  if (!SHA.test(headSha)) throw new ActionInputError('pull_request.head.sha is not a commit SHA');
  const headRepo = isRecord(head.repo) ? head.repo.full_name : undefined;
  const fork = typeof headRepo !== 'string' || headRepo.toLowerCase() !== `${owner}/${repo}`.toLowerCase();
  const user = isRecord(pull.user) && typeof pull.user.login === 'string' ? pull.user.login : undefined;
  return {
    fork,
    plan: {
      deliveryId: runId,
      // Actions events carry no installation; the token is the workflow's.
      installationId: 0,
      owner,
      repo,
      pullNumber: number,
      headSha: headSha.toLowerCase(),
      baseRef: text(base, 'ref', 'pull_request.base'),
      headRef: text(head, 'ref', 'pull_request.head'),
      trigger: 'pull_request',
      ...(user === undefined ? {} : { author: user }),
    },
  };
}
