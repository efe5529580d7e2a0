import { z } from 'zod';
import { BUNDLED_KUBE_VERSION } from '../schema/bundled-kube-version.ts';
import { argocdSettingsSchema, DEFAULT_ARGOCD_SETTINGS } from './argocd-settings.ts';

const stringMap = z.record(z.string(), z.string());

/** A folder of the repository, relative to its root; never one outside it. */
const repoFolder = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
    message: 'must be a folder of the repository, relative to its root, without ..',
  });

/** `1.N` (or `v1.N`, `1.N.P`): the Kubernetes version a cluster runs. */
const kubeVersionSchema = z
  .string()
  .regex(/^v?1\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/, 'expected a Kubernetes version like "1.33"');

const clusterSchema = z
  .object({
    name: z.string().min(1),
    server: z.string().min(1),
    labels: stringMap.default({}),
    annotations: stringMap.default({}),
    /** The cluster's Kubernetes version, for the `manifests` gate of apps deployed to it. Default: `validation.kubeVersion`. */
    kubeVersion: kubeVersionSchema.optional(),
  })
  .strict();

const ignoreDifferenceSchema = z
  .object({
    group: z.string().optional(),
    kind: z.string().min(1),
    name: z.string().optional(),
    namespace: z.string().optional(),
    jsonPointers: z.array(z.string()).optional(),
    jqPathExpressions: z.array(z.string()).optional(),
    managedFieldsManagers: z.array(z.string()).optional(),
  })
  .strict();

/**
 * `.github/mergeplane.yml`. Every key has a default, so an empty file is valid.
 * Objects are strict: a misspelt key is reported rather than silently ignored.
 */
export const mergeplaneConfigSchema = z
  .object({
    repository: z
      .object({
        /** This repository's clone URL; Applications whose source repoURL matches it are planned. Default: the `origin` remote. */
        url: z.string().optional(),
        /** Other URLs that name this repository (SSH form, old names, mirrors). */
        aliases: z.array(z.string()).default([]),
        /** The branch Applications track (`targetRevision`). Default: the plan's base branch, else the remote's default branch. */
        baseBranch: z.string().optional(),
      })
      .strict()
      .default({ aliases: [] }),
    discovery: z
      .object({
        /** Globs (repository-relative) of files searched for Applications and ApplicationSets. */
        include: z.array(z.string()).default(['**/*.yaml', '**/*.yml', '**/*.json']),
        exclude: z.array(z.string()).default([]),
        /** Nesting limit for app-of-apps. */
        maxAppOfAppsDepth: z.number().int().min(1).max(20).default(5),
        /** Larger files are not read (a changed one is named and needs approval). */
        maxFileBytes: z
          .number()
          .int()
          .min(1024)
          .default(10 * 1024 * 1024),
      })
      .strict()
      .default({
        include: ['**/*.yaml', '**/*.yml', '**/*.json'],
        exclude: [],
        maxAppOfAppsDepth: 5,
        maxFileBytes: 10 * 1024 * 1024,
      }),
    /** Cluster registry for the ApplicationSet clusters generator (in addition to committed Argo CD cluster Secrets). */
    clusters: z.array(clusterSchema).default([]),
    render: z
      .object({
        concurrency: z.number().int().min(1).max(64).default(4),
        timeoutSeconds: z.number().int().min(1).max(3600).default(120),
        maxOutputBytes: z
          .number()
          .int()
          .min(1024)
          .default(32 * 1024 * 1024),
        /**
         * Kernel limit (RLIMIT_DATA) on the memory of each helm or kubectl process; `concurrency` times this
         * bounds what renders can take of a worker.
         */
        maxMemoryBytes: z
          .number()
          .int()
          .min(64 * 1024 * 1024)
          .default(1024 * 1024 * 1024),
        /** Remote Kustomize bases and Helm chart repositories are refused unless listed here (URL prefixes). */
        allowedRemotes: z.array(z.string()).default([]),
      })
      .strict()
      .default({
        concurrency: 4,
        timeoutSeconds: 120,
        maxOutputBytes: 32 * 1024 * 1024,
        maxMemoryBytes: 1024 * 1024 * 1024,
        allowedRemotes: [],
      }),
    diff: z
      .object({
        /** Applied to every application, in addition to its own spec.ignoreDifferences. */
        ignoreDifferences: z.array(ignoreDifferenceSchema).default([]),
        /** Lines of context around each change in a resource diff. */
        contextLines: z.number().int().min(0).max(50).default(3),
      })
      .strict()
      .default({ ignoreDifferences: [], contextLines: 3 }),
    approval: z
      .object({
        /** Deleting any of these kinds needs `/mergeplane approve`. */
        destructiveKinds: z
          .array(z.string())
          .default(['Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition']),
        /** Who may approve; empty means anyone with write access. */
        users: z.array(z.string()).default([]),
        teams: z.array(z.string()).default([]),
        allowAuthorSelfApproval: z.boolean().default(false),
        /** Approvals are tied to the head SHA; new commits drop them. */
        dismissOnNewCommits: z.boolean().default(true),
      })
      .strict()
      .default({
        destructiveKinds: ['Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition'],
        users: [],
        teams: [],
        allowAuthorSelfApproval: false,
        dismissOnNewCommits: true,
      }),
    delivery: z
      .object({
        /** After merge, sync affected apps; false only observes them (reports what Argo CD does on its own). */
        sync: z.boolean().default(true),
        prune: z.boolean().default(false),
        /** How long one sync or claim may take before its status fails. */
        timeoutSeconds: z.number().int().min(10).default(900),
        /** Namespace of Argo CD's Application objects and cluster Secrets. */
        argocdNamespace: z.string().min(1).default('argocd'),
        /** Also sync apps with an automated sync policy; by default they are only observed (Argo CD syncs them itself). */
        syncAutomated: z.boolean().default(false),
        /** How long an app may stay Degraded or Missing after its sync before that counts as a failure. */
        degradedGraceSeconds: z.number().int().min(0).default(60),
        /**
         * A context name of the worker's kubeconfig: the cluster (the Argo CD instance) this repository is
         * delivered to. Default: the worker's current context.
         */
        kubeContext: z.string().min(1).optional(),
      })
      .strict()
      .default({
        sync: true,
        prune: false,
        timeoutSeconds: 900,
        argocdNamespace: 'argocd',
        syncAutomated: false,
        degradedGraceSeconds: 60,
      }),
    crossplane: z
      .object({
        /** Claim/XR kinds (`Kind` or `group/Kind`) that yield a cluster to register with Argo CD, besides the `mergeplane.io/register-cluster` annotation. */
        registerClusterKinds: z.array(z.string()).default([]),
        /** Labels of every Argo CD cluster Secret Mergeplane registers (claim annotations add more), for clusters generator selectors. */
        clusterLabels: stringMap.default({ 'workload-cluster': 'true' }),
        /** Key of the kubeconfig in a cluster claim's connection Secret. */
        connectionSecretKey: z.string().min(1).default('kubeconfig'),
        /**
         * Name of the connection Secret when the plan cannot tell it (v2 XRs whose composed Secret is not
         * predicted): `{name}` is replaced by the claim's name; the Secret is in the claim's namespace.
         */
        connectionSecretName: z.string().min(1).default('{name}-kubeconfig'),
        /**
         * function-go-templating `FileSystem` sources: its `dirPath` → the repository folder the templates mounted
         * there come from (e.g. the folder a ConfigMap is built from), so such steps are predicted.
         */
        goTemplatingDirs: z.record(z.string().min(1), repoFolder).default({}),
      })
      .strict()
      .default({
        registerClusterKinds: [],
        clusterLabels: { 'workload-cluster': 'true' },
        connectionSecretKey: 'kubeconfig',
        connectionSecretName: '{name}-kubeconfig',
        goTemplatingDirs: {},
      }),
    comment: z
      .object({
        /** What to post when no application is affected. */
        onNoChanges: z.enum(['comment', 'none']).default('comment'),
        /**
         * The plan comment uses at most this many comments of 65,536 characters; app diffs that do not fit are
         * named instead (see them with `/mergeplane diff APP`).
         */
        maxParts: z.number().int().min(1).max(50).default(10),
      })
      .strict()
      .default({ onNoChanges: 'comment', maxParts: 10 }),
    plan: z
      .object({
        /**
         * Compare each affected app's head render with what the cluster holds, through Argo CD's API (the App only,
         * where the server has MERGEPLANE_ARGOCD_URL and MERGEPLANE_ARGOCD_TOKEN). Off by default.
         */
        live: z.boolean().default(false),
      })
      .strict()
      .default({ live: false }),
    drift: z
      .object({
        /**
         * Check on a schedule that the cluster still matches the default branch (apps OutOfSync with nothing being
         * delivered, Degraded or Missing; claims not Synced or Ready) and keep one "Mergeplane drift report" issue.
         * Needs the delivery worker (Kubernetes access). Off by default.
         */
        enabled: z.boolean().default(false),
        /** Minutes between two checks. */
        intervalMinutes: z.number().int().min(5).max(1440).default(30),
      })
      .strict()
      .default({ enabled: false, intervalMinutes: 30 }),
    validation: z
      .object({
        /**
         * Kubernetes version of the clusters apps are deployed to (a `clusters` entry may say otherwise): rendered
         * objects of an apiVersion it no longer serves fail the `manifests` gate. Field schemas are always those of
         * the bundled Kubernetes version.
         */
        kubeVersion: kubeVersionSchema.default(BUNDLED_KUBE_VERSION),
      })
      .strict()
      .default({ kubeVersion: BUNDLED_KUBE_VERSION }),
    argocd: argocdSettingsSchema.default(DEFAULT_ARGOCD_SETTINGS),
  })
  .strict();

export type MergeplaneConfig = z.infer<typeof mergeplaneConfigSchema>;

export const DEFAULT_CONFIG: MergeplaneConfig = mergeplaneConfigSchema.parse({});
