/** The one report model: JSON output is this object, Markdown is rendered from it. Contract: DESIGN.md "JSON report". */
export type AppStatus = 'changed' | 'added' | 'removed' | 'unchanged' | 'error';
export type ResourceAction = 'create' | 'update' | 'delete';
export type SourceType = 'directory' | 'kustomize' | 'helm' | 'multi' | 'plugin' | 'unknown';
export type GateStatus = 'pass' | 'fail' | 'needs-approval';

export interface ResourceChange {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceAction;
  /** Unified diff of the normalized, redacted YAML. */
  diff: string;
}

export interface AppReport {
  name: string;
  namespace: string;
  project: string;
  origin: string;
  destination: { server?: string; name?: string; namespace?: string };
  sourceType: SourceType;
  status: AppStatus;
  error?: string;
  /** Present only when status is not `unchanged`. */
  resources?: ResourceChange[];
}

export interface ComposedResourcePlan {
  apiVersion: string;
  kind: string;
  name: string;
  action: string;
  fields: unknown;
}

export interface ClaimReport {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  composition?: string;
  composed: ComposedResourcePlan[];
  destructive: boolean;
}

export interface GateResult {
  id: string;
  status: GateStatus;
  message: string;
  app?: string;
  file?: string;
  line?: number;
}

export interface PlanSummary {
  apps: Record<Exclude<AppStatus, never>, number>;
  resources: Record<ResourceAction, number>;
}

export interface PlanReport {
  version: 1;
  base: string;
  head: string;
  summary: PlanSummary;
  apps: AppReport[];
  claims: ClaimReport[];
  gates: GateResult[];
}
