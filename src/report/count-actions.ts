import type { ResourceAction, ResourceChange } from '../model/plan-report.ts';

/** How many of an app's resources are created, updated and deleted. */
export function countActions(
  resources: readonly ResourceChange[] | undefined,
): Record<ResourceAction, number> {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const resource of resources ?? []) counts[resource.action] += 1;
  return counts;
}
