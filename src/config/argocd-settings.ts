import { z } from 'zod';

/** `resource.exclusions` / `resource.inclusions` entries of argocd-cm: globs; an empty list matches everything. */
const resourceFilterSchema = z
  .object({
    apiGroups: z.array(z.string()).default([]),
    kinds: z.array(z.string()).default([]),
    clusters: z.array(z.string()).default([]),
  })
  .strict();

/** `resource.customizations.ignoreDifferences.<group_kind>` (and `.all`) of argocd-cm. */
const ignoreCustomizationSchema = z
  .object({
    jsonPointers: z.array(z.string()).optional(),
    jqPathExpressions: z.array(z.string()).optional(),
    managedFieldsManagers: z.array(z.string()).optional(),
  })
  .strict();

/** The kustomize build flags Mergeplane can honour safely; anything that runs code is refused. */
const LOAD_RESTRICTOR = /^--load[-_]restrictor(?:=|\s+)(LoadRestrictionsNone|LoadRestrictionsRootOnly)$/;

/** Splits `kustomize.buildOptions` into flags (`--load-restrictor LoadRestrictionsNone` is one). */
export function kustomizeBuildFlags(options: string): string[] {
  const words = options.trim() === '' ? [] : options.trim().split(/\s+/);
  const flags: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if ((word === '--load-restrictor' || word === '--load_restrictor') && i + 1 < words.length) {
      flags.push(`--load-restrictor=${words[++i]}`);
    } else flags.push(word);
  }
  return flags;
}

/** Why a build flag is refused, or undefined when it is supported. */
export function unsupportedBuildFlag(flag: string): string | undefined {
  if (LOAD_RESTRICTOR.test(flag)) return undefined;
  if (flag === '--enable-helm') return undefined;
  if (/^--enable[-_](alpha[-_]plugins|exec|star)/.test(flag) || flag.startsWith('--helm-command')) {
    return `${flag} would run programs named by the repository; Mergeplane does not`;
  }
  return `${flag} is not supported (supported: --load-restrictor LoadRestrictionsNone|LoadRestrictionsRootOnly, --enable-helm)`;
}

/**
 * `argocd:` — the settings of the Argo CD instance the repository is delivered to (argocd-cm), so plans render
 * and diff as that instance does. Read from the base branch like every rule.
 */
export const argocdSettingsSchema = z
  .object({
    kustomize: z
      .object({
        /** argocd-cm `kustomize.buildOptions`: `--load-restrictor LoadRestrictionsNone`, `--enable-helm`. */
        buildOptions: z
          .string()
          .default('')
          .superRefine((value, ctx) => {
            for (const flag of kustomizeBuildFlags(value)) {
              const problem = unsupportedBuildFlag(flag);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }
          }),
      })
      .strict()
      .default({ buildOptions: '' }),
    resource: z
      .object({
        exclusions: z.array(resourceFilterSchema).default([]),
        inclusions: z.array(resourceFilterSchema).default([]),
        customizations: z
          .object({
            /** Keys `group_Kind` (`apps_Deployment`), `Kind` for the core group, or `all`. */
            ignoreDifferences: z.record(z.string(), ignoreCustomizationSchema).default({}),
          })
          .strict()
          .default({ ignoreDifferences: {} }),
      })
      .strict()
      .default({ exclusions: [], inclusions: [], customizations: { ignoreDifferences: {} } }),
    /** argocd-cm `application.resourceTrackingMethod`; unset: tracking metadata is not shown in diffs. */
    trackingMethod: z.enum(['label', 'annotation', 'annotation+label']).optional(),
    /** argocd-cm `application.instanceLabelKey`. */
    instanceLabelKey: z.string().min(1).default('app.kubernetes.io/instance'),
  })
  .strict();

export type ArgocdSettings = z.infer<typeof argocdSettingsSchema>;
export type ResourceFilter = z.infer<typeof resourceFilterSchema>;

export const DEFAULT_ARGOCD_SETTINGS: ArgocdSettings = argocdSettingsSchema.parse({});
