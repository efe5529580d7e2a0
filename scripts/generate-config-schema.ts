// Regenerates docs/mergeplane.schema.json from the zod schema: `node scripts/generate-config-schema.ts`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/config-json-schema.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'mergeplane.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${target}\n`);
