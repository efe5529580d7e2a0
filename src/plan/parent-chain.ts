import type { AppEntry } from './app-entry.ts';

const PREFIX = 'app-of-apps:';

/**
 * The app-of-apps parents of an app, outermost first, followed through the origins its revision recorded
 * (`app-of-apps:NAME`). A cycle or a parent no longer present ends the chain.
 */
export function parentChain(origin: string, entries: Iterable<AppEntry>): string[] {
  const originOf = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind !== 'app') continue;
    if (!originOf.has(entry.app.name)) originOf.set(entry.app.name, entry.app.origin);
  }
  const chain: string[] = [];
  let current = origin;
  while (current.startsWith(PREFIX)) {
    const parent = current.slice(PREFIX.length);
    if (chain.includes(parent)) break;
    chain.unshift(parent);
    current = originOf.get(parent) ?? '';
  }
  return chain;
}
