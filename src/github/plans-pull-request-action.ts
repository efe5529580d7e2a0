// `edited` matters only when the base branch changed: a title or body edit does not change the plan.
const PLAN_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

/** Whether a `pull_request` event of this action asks for a plan (the App's handler and the Action both ask). */
export function plansPullRequestAction(action: string, changes: { base?: unknown } | undefined): boolean {
  return PLAN_ACTIONS.has(action) || (action === 'edited' && changes?.base !== undefined);
}
