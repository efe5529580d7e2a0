import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueKeys } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DELIVER_QUEUE_NAME, DELIVER_TARGETS_QUEUE_NAME } from '../../src/queue/deliver-job.ts';
import { PLAN_QUEUE_NAME } from '../../src/queue/plan-job.ts';
import { RENDER_QUEUE_NAME } from '../../src/queue/render-queue.ts';
import { resolveDelivery } from '../../src/server/resolve-delivery.ts';
import { DEFAULT_QUEUE_PREFIX, loadServerEnv } from '../../src/server/server-env.ts';
import { CHART_CASES, renderCases } from './chart-cases.ts';
import { CHART_DIR, type KubeDoc } from './chart-template.ts';
import { type Deployment, envOf, find, podOf, selects } from './pod-specs.ts';

let rendered = new Map<string, KubeDoc[]>();
beforeAll(async () => {
  rendered = await renderCases();
});
const docsOf = (name: string) => rendered.get(name)!;
const workerEnv = (name: string) => envOf(podOf(docsOf(name), 'worker').containers[0]!);

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}

describe('render fan-out and the caches', () => {
  it('is off (MERGEPLANE_RENDER_FANOUT=0) while each worker has its own emptyDir cache', () => {
    expect(workerEnv('defaults').MERGEPLANE_RENDER_FANOUT).toBe('0');
    const cache = podOf(docsOf('defaults'), 'worker').volumes?.find((v) => v.name === 'cache');
    expect(cache?.emptyDir).toBeDefined();
  });

  it('is on with a shared ReadWriteMany claim, created or existing, mounted where the caches are', () => {
    const created = docsOf('shared cache claim');
    expect(workerEnv('shared cache claim').MERGEPLANE_RENDER_FANOUT).toBe('50');
    const claim = find(created, 'PersistentVolumeClaim', 'mergeplane-cache');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'nfs' });
    const pod = podOf(created, 'worker');
    expect(pod.volumes?.find((v) => v.name === 'cache')?.persistentVolumeClaim).toEqual({
      claimName: 'mergeplane-cache',
    });
    const mount = pod.containers[0]!.volumeMounts?.find((m) => m.name === 'cache');
    const env = envOf(pod.containers[0]!);
    expect(env.MERGEPLANE_CACHE_DIR!.startsWith(`${mount!.mountPath}/`)).toBe(true);
    expect(env.MERGEPLANE_CHART_CACHE_DIR!.startsWith(`${mount!.mountPath}/`)).toBe(true);
    // Clones stay per pod: two workers never fetch into one clone.
    const repos = pod.containers[0]!.volumeMounts?.find((m) => m.name === 'repos');
    expect(env.MERGEPLANE_REPO_CACHE_DIR).toBe(repos!.mountPath);
    expect(pod.volumes?.find((v) => v.name === 'repos')?.emptyDir).toBeDefined();

    const existing = docsOf('existing shared cache claim');
    expect(existing.filter((d) => d.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(podOf(existing, 'worker').volumes?.find((v) => v.name === 'cache')?.persistentVolumeClaim).toEqual(
      {
        claimName: 'render-cache',
      },
    );
    expect(workerEnv('existing shared cache claim').MERGEPLANE_RENDER_FANOUT).toBe('50');
  });
});

describe('KEDA autoscaling of the workers', () => {
  it('scales on the wait list of every queue the workers take, as BullMQ names it under the prefix', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    expect(values.worker.autoscaling.keda.queues).toEqual([
      PLAN_QUEUE_NAME,
      RENDER_QUEUE_NAME,
      DELIVER_QUEUE_NAME,
      DELIVER_TARGETS_QUEUE_NAME,
    ]);
    const docs = docsOf('KEDA on');
    const scaled = find(docs, 'ScaledObject', 'mergeplane-worker');
    const spec = scaled.spec as {
      scaleTargetRef: { name: string };
      maxReplicaCount: number;
      triggers: Trigger[];
    };
    const keys = new QueueKeys(DEFAULT_QUEUE_PREFIX);
    expect(spec.triggers.map((t) => t.metadata.listName)).toEqual(
      values.worker.autoscaling.keda.queues.map((q: string) => keys.toKey(q, 'wait')),
    );
    expect(
      spec.triggers.every((t) => t.type === 'redis' && t.metadata.address === 'redis.mergeplane.svc:6379'),
    );
    expect(spec.scaleTargetRef.name).toBe('mergeplane-worker');
    expect(spec.maxReplicaCount).toBe(6);
    // KEDA's HorizontalPodAutoscaler owns the replica count.
    expect(find<Deployment>(docs, 'Deployment', 'mergeplane-worker').spec.replicas).toBeUndefined();
    const auth = find(docs, 'TriggerAuthentication', 'mergeplane-redis');
    expect(auth.spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'mergeplane-redis', key: 'password' }],
    });
    expect(spec.triggers.every((t) => t.authenticationRef?.name === 'mergeplane-redis')).toBe(true);
  });

  it('uses the redis-cluster trigger and the hash-tag prefix on a Redis Cluster', () => {
    const spec = find(docsOf('Redis cluster nodes'), 'ScaledObject', 'mergeplane-worker').spec as {
      triggers: Trigger[];
    };
    const keys = new QueueKeys(`{${DEFAULT_QUEUE_PREFIX}}`);
    expect(spec.triggers[0]).toEqual({
      type: 'redis-cluster',
      metadata: {
        addresses: '10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379',
        listName: keys.toKey(PLAN_QUEUE_NAME, 'wait'),
        listLength: '5',
        enableTLS: 'false',
        databaseIndex: '0',
      },
    });
  });

  it('leaves the replica count to the Deployment without KEDA', () => {
    expect(find<Deployment>(docsOf('defaults'), 'Deployment', 'mergeplane-worker').spec.replicas).toBe(2);
  });
});

describe('the environment the pods get, read by the server’s own validation', () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  /** What the Secrets referenced by the test values hold. */
  const secrets: Record<string, string> = {
    'secret:mergeplane-github/app-id': '4242',
    'secret:mergeplane-redis/redis-url': 'rediss://:s3cret@redis.internal:6380/0',
    'secret:mergeplane-redis/nodes': 'redis://:s3cret@10.0.0.1:6379,redis://:s3cret@10.0.0.2:6379',
    'secret:argocd-token/token': 'argocd-token',
    'secret:mergeplane-dashboard/password': 'dashboard-password',
  };
  const files: Record<string, string> = {
    '/etc/mergeplane/github/private-key.pem': privateKey,
    '/etc/mergeplane/github/webhook-secret': `${'w'.repeat(32)}\n`,
  };
  const isRoot = process.getuid?.() === 0;

  function podEnv(name: string, component: 'webhook' | 'worker'): Record<string, string> {
    const env = envOf(podOf(docsOf(name), component).containers[0]!);
    for (const [key, value] of Object.entries(env))
      if (value.startsWith('secret:')) env[key] = secrets[value]!;
    return env;
  }
  const load = (env: Record<string, string>) =>
    loadServerEnv(env, {
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT: ${path}`);
        return text;
      },
    });

  it.each(Object.keys(CHART_CASES).filter((name) => !name.startsWith('RBAC only')))(
    '%s: the webhook server’s environment is valid, and it enqueues deliveries without Kubernetes access',
    (name) => {
      const env = podEnv(name, 'webhook');
      const server = load(env);
      expect(server.appId).toMatch(/^[0-9]+$/);
      const delivery = resolveDelivery(server, env, { runsWorkers: false });
      expect(delivery.kubeConfig).toBeUndefined();
      expect(delivery.enqueue).toBe(name !== 'delivery off');
    },
  );

  it.runIf(isRoot).each(Object.keys(CHART_CASES).filter((name) => !name.startsWith('RBAC only')))(
    '%s: the workers’ environment is valid (the render user needs a root process, as in the pod)',
    (name) => {
      const server = load(podEnv(name, 'worker'));
      expect(server.delivery).toBe(name === 'delivery off' ? 'off' : 'on');
    },
  );

  it('is the Redis Cluster the values name, with the hash-tag prefix the server requires', () => {
    const server = load(podEnv('Redis cluster nodes from a Secret', 'worker'));
    expect(server.redisClusterNodes).toEqual([
      'redis://:s3cret@10.0.0.1:6379',
      'redis://:s3cret@10.0.0.2:6379',
    ]);
    expect(server.queuePrefix).toBe(`{${DEFAULT_QUEUE_PREFIX}}`);
    expect(load(podEnv('defaults', 'webhook')).queuePrefix).toBe(DEFAULT_QUEUE_PREFIX);
  });
});

describe('how the objects find each other', () => {
  it('routes the Service and the Ingress (webhook path only) to the webhook pods', () => {
    const docs = docsOf('ingress on');
    const pods = find<Deployment>(docs, 'Deployment', 'mergeplane-webhook').spec.template.metadata.labels;
    const workerPods = find<Deployment>(docs, 'Deployment', 'mergeplane-worker').spec.template.metadata
      .labels;
    const service = find(docs, 'Service', 'mergeplane').spec as { selector: Record<string, string> };
    expect(selects(service.selector, pods)).toBe(true);
    expect(selects(service.selector, workerPods)).toBe(false);
    const ingress = find(docs, 'Ingress', 'mergeplane').spec as {
      rules: { host: string; http: { paths: { path: string; pathType: string; backend: unknown }[] } }[];
    };
    expect(ingress.rules).toEqual([
      {
        host: 'mergeplane.example.com',
        http: {
          paths: [
            {
              path: '/api/github/webhooks',
              pathType: 'Exact',
              backend: { service: { name: 'mergeplane', port: { name: 'http' } } },
            },
          ],
        },
      },
    ]);
  });

  it('scrapes /metrics of the webhook server and of every worker', () => {
    const docs = docsOf('ServiceMonitor on');
    const monitor = find(docs, 'ServiceMonitor', 'mergeplane').spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    expect(monitor.endpoints).toMatchObject([{ port: 'http', path: '/metrics' }]);
    for (const component of ['webhook', 'worker']) {
      const service = docs.find(
        (d) =>
          d.kind === 'Service' &&
          selects(monitor.selector.matchLabels, d.metadata.labels ?? {}) &&
          selects(
            { 'app.kubernetes.io/component': component },
            (d.spec as { selector: Record<string, string> }).selector,
          ),
      );
      expect(service, `no Service of the ${component} pods carries the monitor's labels`).toBeDefined();
      expect((service!.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toContain('http');
    }
  });

  it('probes /healthz on the port both processes serve, and budgets disruptions per Deployment', () => {
    const docs = docsOf('defaults');
    for (const component of ['webhook', 'worker'] as const) {
      const deployment = find<Deployment>(docs, 'Deployment', `mergeplane-${component}`);
      const [container] = deployment.spec.template.spec.containers;
      expect(container!.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container!.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container!.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
      expect(envOf(container!).PORT).toBe('3000');
      const budget = find(docs, 'PodDisruptionBudget', `mergeplane-${component}`).spec as {
        selector: { matchLabels: Record<string, string> };
      };
      expect(selects(budget.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
      expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
        true,
      );
    }
    const webhookPods = find<Deployment>(docs, 'Deployment', 'mergeplane-webhook').spec.template.metadata
      .labels;
    const workerBudget = find(docs, 'PodDisruptionBudget', 'mergeplane-worker').spec as {
      selector: { matchLabels: Record<string, string> };
    };
    expect(selects(workerBudget.selector.matchLabels, webhookPods)).toBe(false);
  });
});
