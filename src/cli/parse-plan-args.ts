import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

export interface PlanArgs {
  repo: string;
  base: string;
  head: string;
  format: 'markdown' | 'json';
  config?: string;
  /** `--config-extends DIR`: the repositories `_extends` names, checked out side by side. */
  configExtends?: string;
  out?: string;
  cacheDir?: string;
  noCache: boolean;
  /** `--quiet`: no progress on stderr, even on a terminal. */
  quiet: boolean;
  /** `--source URL=DIR`: where sources in other repositories (or this one at other revisions) are read. */
  sources: Record<string, string>;
}

/** `mergeplane plan --repo DIR --base REF --head REF [--format markdown|json] [--config FILE] [--out FILE] [--source URL=DIR]...` */
export function parsePlanArgs(argv: string[]): PlanArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  for (const required of ['repo', 'base', 'head'] as const) {
    if (!values[required]) throw new UsageError(`--${required} is required`);
  }
  const format = values.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') {
    throw new UsageError(`--format must be markdown or json, not "${format}"`);
  }
  const sources: Record<string, string> = {};
  for (const mapping of values.source ?? []) {
    const at = mapping.indexOf('=');
    if (at <= 0 || at === mapping.length - 1) {
      throw new UsageError(`--source must be URL=DIR, not "${mapping}"`);
    }
    sources[mapping.slice(0, at)] = mapping.slice(at + 1);
  }
  return {
    repo: values.repo!,
    sources,
    base: values.base!,
    head: values.head!,
    format,
    noCache: values['no-cache'] ?? false,
    quiet: values.quiet ?? false,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values['config-extends'] !== undefined ? { configExtends: values['config-extends'] } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values['cache-dir'] !== undefined ? { cacheDir: values['cache-dir'] } : {}),
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      repo: { type: 'string' },
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string' },
      config: { type: 'string' },
      'config-extends': { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean' },
      source: { type: 'string', multiple: true },
    },
  });
}
