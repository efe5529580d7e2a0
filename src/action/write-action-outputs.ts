import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';

/**
 * Appends step outputs to `GITHUB_OUTPUT` in the runner's multi-line form (`name<<DELIMITER`), with a random
 * delimiter no value can contain, so a value can never end one output and start another.
 */
export async function writeActionOutputs(
  file: string | undefined,
  outputs: Readonly<Record<string, string>>,
): Promise<void> {
  if (file === undefined) return;
  let lines = '';
  for (const [name, value] of Object.entries(outputs)) {
    let delimiter = `mergeplane_${randomBytes(12).toString('hex')}`;
    while (value.includes(delimiter)) delimiter = `mergeplane_${randomBytes(12).toString('hex')}`;
    lines += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  await appendFile(file, lines);
}

/** GitHub shows at most 1 MiB of a step's summary; the plan is cut to fit with room to spare. */
export const STEP_SUMMARY_BUDGET = 1_000_000;

export async function writeStepSummary(file: string | undefined, markdown: string): Promise<void> {
  if (file === undefined) return;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}
