import type { AppEntry } from './app-entry.ts';
import type { AppRenderer, PlanSide } from './app-renderer.ts';

/**
 * Renders, at one revision, the apps whose files mention one of `secretNames`, so the workloads that
 * consume a claim's connection Secret are known even when the change did not touch them. A text probe
 * over each app's input files keeps this to the few apps that can matter. Returns how many it rendered.
 */
export async function renderSecretConsumers(o: {
  side: PlanSide;
  entries: Iterable<AppEntry>;
  renderer: AppRenderer;
  secretNames: readonly string[];
}): Promise<number> {
  if (o.secretNames.length === 0) return 0;
  const candidates: Promise<unknown>[] = [];
  for (const entry of o.entries) {
    if (entry.kind !== 'app') continue;
    const inputs = await o.renderer.inputsOf(o.side, entry.app);
    const files = new Set(inputs.files);
    for (const dir of inputs.dirs) for (const file of await o.side.index.filesUnder(dir)) files.add(file);
    for (const file of files) {
      const text = await o.side.index.text(file);
      if (text && o.secretNames.some((name) => text.includes(name))) {
        candidates.push(o.renderer.render(o.side, entry.app));
        break;
      }
    }
  }
  await Promise.all(candidates);
  return candidates.length;
}
