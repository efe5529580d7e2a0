import { execFile } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from '../../scripts/render-rbac.ts';
import { resolveTool } from '../../src/render/resolve-tool.ts';

export { CHART_DIR };

/** The bundled helm (.tools/bin), as the render code finds it. */
export const HELM = resolveTool('helm');

export type Values = Record<string, unknown>;

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The least a working install needs besides the chart's defaults: where Redis is. */
export const REQUIRED: Values = { redis: { url: 'redis://redis.mergeplane.svc:6379' } };

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundled helm with `values` on standard input (`-f -`); never throws for a non-zero exit. */
export function helm(args: string[], values?: Values): Promise<HelmRun> {
  return new Promise((resolve) => {
    const child = execFile(
      HELM,
      values === undefined ? args : [...args, '-f', '-'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(values === undefined ? undefined : JSON.stringify(values));
  });
}

/** `helm template mergeplane CHART --namespace mergeplane` with `values`; fails the test with helm's words. */
export async function renderChart(values: Values, namespace = 'mergeplane'): Promise<KubeDoc[]> {
  const run = await helm(['template', 'mergeplane', CHART_DIR, '--namespace', namespace], values);
  if (run.code !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((doc) => doc.toJS() as KubeDoc | null)
    .filter((doc): doc is KubeDoc => doc !== null);
}

/** Deep merge of plain objects (arrays and scalars of `over` replace), as Helm merges values files. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
