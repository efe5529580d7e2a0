import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport } from '../model/plan-report.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import type { AppRenderer, PlanSide } from '../plan/app-renderer.ts';
import { pairRenamedApps } from '../plan/pair-renamed-apps.ts';
import { parentChain } from '../plan/parent-chain.ts';
import { planApp, slotRenders } from '../plan/plan-app.ts';
import { noProgress, type PlanProgress } from '../plan/plan-progress.ts';

interface CollectedSide {
  side: PlanSide;
  entries: Map<string, AppEntry>;
}

/**
 * Plans every application slot of both revisions (in parallel, renders bounded by the renderer), gives
 * app-of-apps children their parent chain and pairs renamed apps.
 */
export async function planAppsStage(o: {
  base: CollectedSide;
  head: CollectedSide;
  renderer: AppRenderer;
  changedFiles: readonly string[];
  config: MergeplaneConfig;
  progress?: PlanProgress;
}): Promise<{
  apps: AppReport[];
  findings: GateFinding[];
  headObjects: Map<string, KubeObject[]>;
  baseObjects: Map<string, KubeObject[]>;
}> {
  const { base, head } = o;
  const keys = [...new Set([...base.entries.keys(), ...head.entries.keys()])].sort();
  const slot = (key: string) => ({
    base: base.side,
    head: head.side,
    baseEntry: base.entries.get(key),
    headEntry: head.entries.get(key),
    renderer: o.renderer,
    changedFiles: o.changedFiles,
  });
  // Which slots render is decided beside the renders (the same memoized inputs); finished apps are counted once
  // the total is known, so every rendering event carries it.
  const progress = o.progress ?? noProgress;
  let done = 0;
  const selection = Promise.all(keys.map((key) => slotRenders(slot(key)))).then((renders) => {
    const rendered = renders.map((r) => r.base !== undefined || r.head !== undefined);
    const total = rendered.filter(Boolean).length;
    progress({ phase: 'rendering', done, total });
    return { rendered, total };
  });
  // A failure here is met again where the apps await it; never an unhandled rejection.
  selection.catch(() => {});
  const planned = await Promise.all(
    keys.map(async (key, index) => {
      const result = await planApp({ ...slot(key), config: o.config });
      const { rendered, total } = await selection;
      if (rendered[index]) progress({ phase: 'rendering', done: ++done, total });
      return result;
    }),
  );
  const manifestOf = (entries: Map<string, AppEntry>) => (app: AppReport) => {
    const entry = entries.get(`${app.namespace}/${app.name}`);
    return entry?.kind === 'app' ? entry.app.manifest : undefined;
  };
  const withParents = planned.map(({ report }) => {
    if (!report.origin.startsWith('app-of-apps:')) return report;
    const entries = head.entries.has(`${report.namespace}/${report.name}`) ? head.entries : base.entries;
    return { ...report, parents: parentChain(report.origin, entries.values()) };
  });
  const apps = pairRenamedApps(
    withParents,
    { base: manifestOf(base.entries), head: manifestOf(head.entries) },
    o.config.diff.contextLines,
  );
  const headObjects = new Map<string, KubeObject[]>();
  const baseObjects = new Map<string, KubeObject[]>();
  for (const { report, headObjects: objects, baseObjects: before } of planned) {
    if (objects !== undefined) headObjects.set(`${report.namespace}/${report.name}`, objects);
    if (before !== undefined) baseObjects.set(`${report.namespace}/${report.name}`, before);
  }
  return { apps, findings: planned.flatMap((p) => p.findings), headObjects, baseObjects };
}
