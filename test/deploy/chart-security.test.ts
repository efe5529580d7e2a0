import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_CASES, renderCases } from './chart-cases.ts';
import type { KubeDoc } from './chart-template.ts';
import { type Container, envOf, type PodSpec, podOf, type Volume } from './pod-specs.ts';

/** README "Security model" → "Running the image": what starting render tools as another user needs. */
const RENDER_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'];
/** The image's `mergeplane` user (Dockerfile `useradd --uid 10001`). */
const IMAGE_USER = 10001;
/** Where the kubelet mounts a ServiceAccount token and where in-cluster clients read it (Kubernetes docs). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

let rendered = new Map<string, KubeDoc[]>();
beforeAll(async () => {
  rendered = await renderCases();
});
const docsOf = (name: string) => rendered.get(name)!;

function volume(pod: PodSpec, name: string): Volume {
  const found = pod.volumes?.find((v) => v.name === name);
  if (!found) throw new Error(`no volume ${name}`);
  return found;
}

/** The volume mounted at the longest mount path containing `path`, or undefined (the root filesystem). */
function mountHolding(container: Container, path: string) {
  return (container.volumeMounts ?? [])
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Every directory a process writes to (its environment names them) is a writable volume, not the root FS. */
function unwritablePaths(container: Container): string[] {
  const env = envOf(container);
  const writes = [
    '/tmp',
    env.HOME,
    env.MERGEPLANE_CACHE_DIR,
    env.MERGEPLANE_CHART_CACHE_DIR,
    env.MERGEPLANE_REPO_CACHE_DIR,
  ].filter((p): p is string => p !== undefined);
  return writes.filter((path) => {
    const mount = mountHolding(container, path);
    return mount === undefined || mount.readOnly === true;
  });
}

describe('the webhook server pod', () => {
  it('runs as the image’s non-root user with no capability, no privilege escalation and a read-only root', () => {
    const pod = podOf(docsOf('defaults'), 'webhook');
    const [container] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: IMAGE_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container!.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: IMAGE_USER,
      runAsGroup: IMAGE_USER,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container!.args).toEqual(['server', '--no-worker']);
    expect(unwritablePaths(container!)).toEqual([]);
  });

  it('gets no Kubernetes credentials and never switches users', () => {
    const pod = podOf(docsOf('defaults'), 'webhook');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
    expect(pod.containers[0]!.volumeMounts?.map((m) => m.mountPath)).not.toContain(SERVICE_ACCOUNT_DIR);
    expect(envOf(pod.containers[0]!).MERGEPLANE_RENDER_USER).toBe('off');
  });

  it('reads the App’s key and webhook secret as files of mode 0400, group-readable through fsGroup', () => {
    // Kubernetes: with fsGroup, a Secret volume's files belong to that group and get its read bit (0400 → 0440).
    const pod = podOf(docsOf('defaults'), 'webhook');
    expect(pod.securityContext?.fsGroup).toBe(pod.securityContext?.runAsGroup);
    const github = volume(pod, 'github-app').secret!;
    expect(github.defaultMode).toBe(0o400);
    expect(github.items?.map((i) => i.path).sort()).toEqual(['private-key.pem', 'webhook-secret']);
  });
});

describe('the worker pod with render isolation (the default)', () => {
  const pod = () => podOf(docsOf('defaults'), 'worker');

  it('starts as root with exactly the six capabilities of render isolation and nothing else', () => {
    const [container] = pod().containers;
    expect(pod().securityContext).toMatchObject({ runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container!.securityContext?.runAsUser).toBe(0);
    expect(container!.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container!.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container!.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect([...(container!.securityContext?.capabilities?.add ?? [])].sort()).toEqual(RENDER_CAPABILITIES);
    expect(envOf(container!).MERGEPLANE_RENDER_USER).toBe('65534:65534');
    expect(container!.args).toEqual(['worker']);
    expect(unwritablePaths(container!)).toEqual([]);
  });

  it('leaves HOME on the read-only root, out of the render user’s reach', () => {
    // The render user can write /tmp: a HOME there would let a render plant a .gitconfig for the worker's git.
    const env = envOf(pod().containers[0]!);
    expect(env.HOME).toBeUndefined();
    expect(env.XDG_CONFIG_HOME).toBeUndefined();
  });

  it('keeps the key, the ServiceAccount token and the caches out of the render user’s reach', () => {
    const spec = pod();
    // No fsGroup: the Secret files stay 0400 root-owned; the token is mounted by hand with mode 0400 instead
    // of the kubelet's 0644.
    expect(spec.securityContext?.fsGroup).toBeUndefined();
    expect(volume(spec, 'github-app').secret?.defaultMode).toBe(0o400);
    expect(spec.automountServiceAccountToken).toBe(false);
    const token = volume(spec, 'kube-api-access').projected!;
    expect(token.defaultMode).toBe(0o400);
    expect(token.sources.map((s) => Object.keys(s)[0])).toEqual([
      'serviceAccountToken',
      'configMap',
      'downwardAPI',
    ]);
    const mount = spec.containers[0]!.volumeMounts?.find((m) => m.mountPath === SERVICE_ACCOUNT_DIR);
    expect(mount).toMatchObject({ name: 'kube-api-access', readOnly: true });
    // The caches are made private to root before the worker starts; that step has FOWNER only.
    const [init] = spec.initContainers ?? [];
    expect(init!.securityContext?.capabilities).toEqual({ drop: ['ALL'], add: ['FOWNER'] });
    expect(init!.securityContext?.allowPrivilegeEscalation).toBe(false);
    const env = envOf(spec.containers[0]!);
    for (const dir of [env.MERGEPLANE_CACHE_DIR!, env.MERGEPLANE_REPO_CACHE_DIR!]) {
      const mount = mountHolding(init!, dir);
      expect(init!.command?.join(' ')).toContain(`chmod 0700 `);
      expect(init!.command?.join(' ')).toContain(mount!.mountPath);
    }
  });
});

describe('the worker pod without render isolation (worker.renderIsolation: false)', () => {
  it('runs as the image’s non-root user with no capability and tools as that same user', () => {
    const spec = podOf(docsOf('workers non-root'), 'worker');
    const [container] = spec.containers;
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: IMAGE_USER,
      fsGroup: IMAGE_USER,
    });
    expect(container!.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container!.securityContext?.capabilities?.add).toBeUndefined();
    expect(spec.initContainers).toBeUndefined();
    expect(envOf(container!).MERGEPLANE_RENDER_USER).toBe('off');
    expect(unwritablePaths(container!)).toEqual([]);
  });
});

describe('credentials in the rendered chart', () => {
  const SECRET_VARIABLES = ['PRIVATE_KEY', 'WEBHOOK_SECRET', 'MERGEPLANE_ARGOCD_TOKEN'];

  it.each(Object.keys(CHART_CASES))(
    '%s: no Secret object, secrets only from Secret keys or files',
    (name) => {
      const docs = docsOf(name);
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      for (const component of ['webhook', 'worker'] as const) {
        if (!docs.some((d) => d.metadata.name === `mergeplane-${component}` && d.kind === 'Deployment'))
          continue;
        const env = envOf(podOf(docs, component).containers[0]!);
        for (const variable of SECRET_VARIABLES) {
          if (variable in env) expect(env[variable]).toMatch(/^secret:/);
        }
        expect(env.PRIVATE_KEY_PATH).toBe('/etc/mergeplane/github/private-key.pem');
        expect(env.WEBHOOK_SECRET_PATH).toBe('/etc/mergeplane/github/webhook-secret');
      }
    },
  );

  it('takes the Redis URL from a Secret key when told to', () => {
    for (const component of ['webhook', 'worker'] as const) {
      const env = envOf(podOf(docsOf('Redis URL from a Secret'), component).containers[0]!);
      expect(env.REDIS_URL).toBe('secret:mergeplane-redis/redis-url');
      expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
    }
  });

  it('gives the Argo CD token and the kubeconfig to the workers only', () => {
    const docs = docsOf('GitHub Enterprise, Argo CD token, kubeconfig, plain App ID, extra env');
    const worker = envOf(podOf(docs, 'worker').containers[0]!);
    const webhook = envOf(podOf(docs, 'webhook').containers[0]!);
    expect(worker.MERGEPLANE_ARGOCD_TOKEN).toBe('secret:argocd-token/token');
    expect(worker.MERGEPLANE_KUBECONFIG).toBe('/etc/mergeplane/kube/config');
    expect(volume(podOf(docs, 'worker'), 'kubeconfig').secret?.defaultMode).toBe(0o400);
    expect(webhook.MERGEPLANE_ARGOCD_TOKEN).toBeUndefined();
    expect(webhook.MERGEPLANE_KUBECONFIG).toBeUndefined();
    expect(webhook.APP_ID).toBe('123456');
  });
});
