import type { FakeKubeStore, StoreEvent } from './fake-kube-store.ts';
import { isRecord, type KubeRecord, metadataOf, stringMap } from './json-values.ts';

/** An ApplicationSet with one clusters generator, reduced to what the emulation needs. */
export interface ClusterGeneratorTemplate {
  /** Application name; `{{name}}` is the cluster name, e.g. `guestbook-{{name}}`. */
  name: string;
  /** `matchLabels` of the clusters generator; empty or omitted selects every cluster Secret. */
  selector?: Record<string, string>;
  /** Namespace of the generated Applications. Default: the Argo CD namespace. */
  namespace?: string;
  /** Application spec; strings may use `{{name}}`, `{{server}}` and `{{metadata.labels.KEY}}`. */
  spec?: KubeRecord;
  labels?: Record<string, string>;
  /** Owner recorded on generated Applications (label); default the name template. */
  applicationSet?: string;
}

export interface ApplicationSetEmulationOptions {
  kube: { store: FakeKubeStore };
  /** Templates given directly (in addition to ApplicationSet objects found in the Argo CD namespace). */
  generators?: ClusterGeneratorTemplate[];
  /** Where cluster Secrets and ApplicationSets live. Default 'argocd'. */
  argocdNamespace?: string;
}

export interface ApplicationSetEmulation {
  stop(): Promise<void>;
}

export const generatedByLabel = 'fake-kube.test/applicationset';
const clusterSecretLabel = 'argocd.argoproj.io/secret-type';
const manager = 'argocd-applicationset-controller';

interface Cluster {
  name: string;
  server: string;
  labels: Record<string, string>;
}

/**
 * The clusters generator of Argo CD's ApplicationSet controller, minimally: for every cluster Secret
 * (label `argocd.argoproj.io/secret-type: cluster`) matching a template's selector, an Application
 * is created; when the Secret goes or stops matching, the Application is deleted. Templates come from
 * the options and from ApplicationSet objects whose first generator is `clusters`.
 */
export function startApplicationSetEmulation(
  options: ApplicationSetEmulationOptions,
): ApplicationSetEmulation {
  const { store } = options.kube;
  const namespace = options.argocdNamespace ?? 'argocd';

  const clusters = (): Cluster[] =>
    store
      .list({ apiVersion: 'v1', kind: 'Secret', namespace, labelSelector: `${clusterSecretLabel}=cluster` })
      .map((secret) => {
        const data = stringMap(secret.data);
        const decode = (key: string) =>
          data[key] ? Buffer.from(data[key], 'base64').toString('utf8') : undefined;
        const metadata = metadataOf(secret);
        return {
          name: decode('name') ?? String(metadata.name),
          server: decode('server') ?? '',
          labels: stringMap(metadata.labels),
        };
      });

  const templates = (): ClusterGeneratorTemplate[] => [
    ...(options.generators ?? []),
    ...store
      .list({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', namespace })
      .flatMap(templateFromApplicationSet),
  ];

  const resync = (): void => {
    const desired = new Map<string, KubeRecord>();
    for (const template of templates()) {
      for (const cluster of clusters()) {
        if (!matches(cluster.labels, template.selector ?? {})) continue;
        const app = render(template, cluster, namespace);
        const metadata = metadataOf(app);
        desired.set(`${String(metadata.namespace)}/${String(metadata.name)}`, app);
      }
    }
    for (const app of desired.values()) {
      const metadata = metadataOf(app);
      const ref = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        namespace: String(metadata.namespace),
        name: String(metadata.name),
      };
      if (!store.get(ref)) store.create(app, { fieldManager: manager });
    }
    for (const app of store.list({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      labelSelector: generatedByLabel,
    })) {
      const metadata = metadataOf(app);
      const key = `${String(metadata.namespace)}/${String(metadata.name)}`;
      if (desired.has(key) || metadata.deletionTimestamp) continue;
      store.delete({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        namespace: String(metadata.namespace),
        name: String(metadata.name),
      });
    }
  };

  const onEvent = (event: StoreEvent): void => {
    const kind = event.resourceType.kind;
    const isClusterSecret =
      kind === 'Secret' &&
      event.resourceType.group === '' &&
      [event.object, event.previous].some(
        (o) => o !== undefined && stringMap(metadataOf(o).labels)[clusterSecretLabel] === 'cluster',
      );
    const isAppSet = kind === 'ApplicationSet' && event.resourceType.group === 'argoproj.io';
    if (isClusterSecret || isAppSet) resync();
  };

  const unsubscribe = store.watch(onEvent, { namespace });
  resync();
  return {
    async stop() {
      unsubscribe();
    },
  };
}

function templateFromApplicationSet(appSet: KubeRecord): ClusterGeneratorTemplate[] {
  const spec = isRecord(appSet.spec) ? appSet.spec : {};
  const generators = Array.isArray(spec.generators) ? spec.generators : [];
  const template = isRecord(spec.template) ? spec.template : {};
  const templateMeta = isRecord(template.metadata) ? template.metadata : {};
  return generators.flatMap((generator): ClusterGeneratorTemplate[] => {
    if (!isRecord(generator) || !isRecord(generator.clusters)) return [];
    const selector = isRecord(generator.clusters.selector) ? generator.clusters.selector : {};
    return [
      {
        name: String(templateMeta.name ?? ''),
        selector: stringMap(selector.matchLabels),
        namespace: typeof templateMeta.namespace === 'string' ? templateMeta.namespace : undefined,
        spec: isRecord(template.spec) ? template.spec : {},
        labels: stringMap(templateMeta.labels),
        applicationSet: String(metadataOf(appSet).name),
      },
    ];
  });
}

function render(template: ClusterGeneratorTemplate, cluster: Cluster, argocdNamespace: string): KubeRecord {
  const substitute = (text: string): string =>
    text.replace(/\{\{\s*\.?([A-Za-z0-9_.\-/]+)\s*\}\}/g, (whole, path: string) => {
      if (path === 'name') return cluster.name;
      if (path === 'server') return cluster.server;
      if (path.startsWith('metadata.labels.'))
        return cluster.labels[path.slice('metadata.labels.'.length)] ?? '';
      return whole;
    });
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return substitute(value);
    if (Array.isArray(value)) return value.map(deep);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]));
    return value;
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: substitute(template.name),
      namespace: template.namespace ?? argocdNamespace,
      labels: {
        ...(deep(template.labels ?? {}) as Record<string, string>),
        [generatedByLabel]: template.applicationSet ?? template.name,
      },
    },
    spec: deep(template.spec ?? {}),
  };
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
