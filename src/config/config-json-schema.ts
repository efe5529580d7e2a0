import { z } from 'zod';
import { mergeplaneConfigSchema } from './mergeplane-config.ts';

/** JSON Schema of `.github/mergeplane.yml`, for editors (yaml-language-server) — generated, never hand-edited. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(mergeplaneConfigSchema, { io: 'input' }),
    title: 'Mergeplane repository configuration (.github/mergeplane.yml)',
  };
}
