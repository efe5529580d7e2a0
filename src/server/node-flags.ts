/**
 * V8 settings for the long-running processes (server, workers), on their command line (Dockerfile, npm scripts):
 * a young generation of at most 16 MiB semi-spaces and an old generation grown by half its live size at a time.
 * V8's defaults on a large machine let a 10,000-app plan's short-lived objects hold ~700 MB resident; with these,
 * ~450 MB for ~10% more plan time (README, "Performance"). Both are read when the heap is set up, so they cannot
 * be set from inside the process.
 */
export const LONG_RUNNING_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50'] as const;

/** The settings above that this process was started without (its command line, or `NODE_OPTIONS`). */
export function missingNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  // `--flag=value` and `--flag value` both count; the value is the operator's to choose.
  const names = new Set(given.map((arg) => arg.split('=')[0]));
  return LONG_RUNNING_NODE_FLAGS.filter((flag) => !names.has(flag.split('=')[0]));
}
