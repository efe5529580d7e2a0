import { z } from 'zod';
import { mergeplaneConfigSchema } from './mergeplane-config.ts';

/** JSON Schema of `.github/mergeplane.yml`, for editors (yaml-language-server) — generated, never hand-edited. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(mergeplaneConfigSchema, { io: 'input' }) as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    // Read before validation (config-extends.ts), so not part of the zod schema.
    properties: {
      _extends: {
        type: 'string',
        description:
          'Organisation defaults this file extends: "repo" (usually ".github"), "owner/repo", either with ":path" (default .github/mergeplane.yml). Merged key by key, this file winning.',
      },
      ...properties,
    },
    title: 'Mergeplane repository configuration (.github/mergeplane.yml)',
  };
}
