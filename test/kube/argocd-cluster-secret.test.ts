import { describe, expect, it } from 'vitest';
import {
  buildArgoCdClusterSecret,
  ClusterKubeconfigError,
  type ClusterSecretInput,
  clusterSecretName,
} from '../../src/kube/argocd-cluster-secret.ts';

const TOKEN = 'tok-3f9a-very-secret';
const KEY_DATA = 'S0VZLURBVEEtU0VDUkVU';

function kubeconfig(user: string, cluster = 'certificate-authority-data: Q0EtREFUQQ==') {
  return `
apiVersion: v1
kind: Config
current-context: admin@prod-eu
contexts:
  - name: other
    context: { cluster: other, user: other }
  - name: admin@prod-eu
    context: { cluster: prod-eu, user: admin }
clusters:
  - name: other
    cluster: { server: https://other.example }
  - name: prod-eu
    cluster:
      server: https://prod-eu.clusters.example
      ${cluster}
users:
  - name: other
    user: { token: other-token }
  - name: admin
    user:
${user
  .trim()
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`;
}

function input(kubeconfigYaml: string): ClusterSecretInput {
  return {
    kubeconfigYaml,
    clusterName: 'prod-eu',
    namespace: 'argocd',
    labels: { env: 'prod', region: 'eu', 'argocd.argoproj.io/secret-type': 'not-allowed' },
    annotations: { team: 'platform' },
    claim: {
      apiVersion: 'platform.example.org/v1alpha1',
      kind: 'Cluster',
      namespace: 'infra',
      name: 'prod-eu',
    },
  };
}

function decode(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

describe('buildArgoCdClusterSecret', () => {
  it("turns the current context's cluster and token into an Argo CD cluster Secret", () => {
    const built = buildArgoCdClusterSecret(input(kubeconfig(`token: ${TOKEN}`)));
    expect(built.name).toBe('cluster-prod-eu');
    expect(built.server).toBe('https://prod-eu.clusters.example');
    expect(built.auth).toBe('token');
    expect(built.secret.metadata).toEqual({
      name: 'cluster-prod-eu',
      namespace: 'argocd',
      labels: {
        env: 'prod',
        region: 'eu',
        'argocd.argoproj.io/secret-type': 'cluster',
        'app.kubernetes.io/managed-by': 'mergeplane',
      },
      annotations: {
        team: 'platform',
        'mergeplane.io/claim': 'platform.example.org/v1alpha1/Cluster infra/prod-eu',
      },
    });
    expect(decode(built.secret.data.name)).toBe('prod-eu');
    expect(decode(built.secret.data.server)).toBe('https://prod-eu.clusters.example');
    expect(JSON.parse(decode(built.secret.data.config))).toEqual({
      bearerToken: TOKEN,
      tlsClientConfig: { insecure: false, caData: 'Q0EtREFUQQ==' },
    });
  });

  it('carries a client certificate and key, and the insecure flag', () => {
    const built = buildArgoCdClusterSecret(
      input(
        kubeconfig(
          `client-certificate-data: Q0VSVA==\nclient-key-data: ${KEY_DATA}`,
          'insecure-skip-tls-verify: true',
        ),
      ),
    );
    expect(built.auth).toBe('client-certificate');
    expect(JSON.parse(decode(built.secret.data.config))).toEqual({
      tlsClientConfig: { insecure: true, certData: 'Q0VSVA==', keyData: KEY_DATA },
    });
  });

  it('carries basic auth', () => {
    const built = buildArgoCdClusterSecret(input(kubeconfig('username: admin\npassword: hunter2')));
    expect(JSON.parse(decode(built.secret.data.config))).toMatchObject({
      username: 'admin',
      password: 'hunter2',
    });
  });

  it.each([
    [
      'exec credential plugins',
      'exec: { command: aws, args: [eks, get-token] }',
      'unsupported-auth',
      /"exec"/,
    ],
    ['auth providers', 'auth-provider: { name: gcp }', 'unsupported-auth', /"auth-provider"/],
    [
      'client certificate files',
      'client-certificate: /tmp/c.crt\nclient-key: /tmp/c.key',
      'unsupported-auth',
      /files/,
    ],
    ['a user without credentials', 'username: admin', 'no-credentials', /no token/],
  ])('refuses %s with a typed error', (_name, user, problem, message) => {
    let caught: unknown;
    try {
      buildArgoCdClusterSecret(input(kubeconfig(user)));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClusterKubeconfigError);
    expect((caught as ClusterKubeconfigError).problem).toBe(problem);
    expect((caught as ClusterKubeconfigError).message).toMatch(message);
  });

  it('refuses a CA file, a missing context and invalid YAML without quoting the kubeconfig', () => {
    const caFile = () =>
      buildArgoCdClusterSecret(input(kubeconfig(`token: ${TOKEN}`, 'certificate-authority: /ca.crt')));
    expect(caFile).toThrow(ClusterKubeconfigError);
    const noContext = () =>
      buildArgoCdClusterSecret(
        input(
          kubeconfig(`token: ${TOKEN}`).replace('current-context: admin@prod-eu', 'current-context: gone'),
        ),
      );
    expect(noContext).toThrow(/does not define context "gone"/);
    const broken = `users:\n  - name: admin\n    user: { token: ${TOKEN}\n  bad: [`;
    let message = '';
    try {
      buildArgoCdClusterSecret(input(broken));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('the kubeconfig is not valid YAML');
  });

  it('uses the only context when current-context is absent', () => {
    const single = `
contexts: [{ name: only, context: { cluster: c, user: u } }]
clusters: [{ name: c, cluster: { server: "https://c.example" } }]
users: [{ name: u, user: { token: ${TOKEN} } }]`;
    expect(buildArgoCdClusterSecret(input(single)).server).toBe('https://c.example');
  });
});

describe('clusterSecretName', () => {
  it('is cluster-<name> for DNS-safe names and stays distinct when names need sanitizing', () => {
    expect(clusterSecretName('prod-eu')).toBe('cluster-prod-eu');
    const upper = clusterSecretName('Prod_EU');
    const lower = clusterSecretName('prod-eu');
    expect(upper).toMatch(/^cluster-prod-eu-[0-9a-f]{8}$/);
    expect(upper).not.toBe(lower);
    expect(clusterSecretName('Prod_EU')).toBe(upper);
    const long = clusterSecretName('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
