import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { AppReport, GateResult } from '../model/plan-report.ts';

/**
 * Something the plan found wrong: invalid config, unparsable changed YAML, a failed render at head (`fail`),
 * or a source that cannot be rendered offline (`needs-approval`: a person has to review it by hand).
 */
export interface GateFinding {
  id: string;
  message: string;
  status?: 'fail' | 'needs-approval';
  app?: string;
  file?: string;
  line?: number;
}

export interface GateInput {
  apps: AppReport[];
  failures: GateFinding[];
  config: MergeplaneConfig;
}

/**
 * The merge gates. `fail` blocks the merge; `needs-approval` waits for `/mergeplane approve`.
 * Every gate id appears once with `pass` when nothing trips it, so a reader sees what was checked.
 */
export function evaluateGates(input: GateInput): GateResult[] {
  const gates: GateResult[] = [];
  const byId = new Map<string, number>();
  for (const failure of input.failures) {
    byId.set(failure.id, (byId.get(failure.id) ?? 0) + 1);
    gates.push({ ...failure, status: failure.status ?? 'fail' });
  }
  const destructive = new Set(input.config.approval.destructiveKinds);
  for (const app of input.apps) {
    for (const resource of app.resources ?? []) {
      if (resource.action !== 'delete' || !destructive.has(resource.kind)) continue;
      byId.set('destructive', (byId.get('destructive') ?? 0) + 1);
      const where = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
      gates.push({
        id: 'destructive',
        status: 'needs-approval',
        message: `deletes ${resource.kind} ${where}`,
        app: app.name,
      });
    }
  }
  const checked: Record<string, string> = {
    config: 'repository config is valid',
    render: 'every affected application rendered',
    manifests: 'rendered manifests are valid Kubernetes objects and match their schemas',
    destructive: 'no destructive change',
    blocked: 'no composed resource update that the API server would reject (immutable fields)',
    unsupported: 'every affected application could be rendered offline',
    claims: 'Crossplane claims and composite resources match their XRD schemas',
  };
  for (const [id, message] of Object.entries(checked)) {
    if (!byId.has(id)) gates.push({ id, status: 'pass', message });
  }
  return gates;
}

/** Exit status of the CLI and conclusion of the check run: any `fail` wins. */
export function gatesFailed(gates: GateResult[]): boolean {
  return gates.some((g) => g.status === 'fail');
}
