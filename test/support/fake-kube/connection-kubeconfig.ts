import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

const fakeCertificate = [
  '-----BEGIN CERTIFICATE-----',
  'TUlJQmZha2UtY2VydGlmaWNhdGUtZm9yLXRlc3RzLW9ubHk=',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

/** The server URL a simulated cluster named `name` reports. */
export function clusterServer(name: string): string {
  return `https://${name}.clusters.example`;
}

/**
 * Connection details of a provisioned cluster, as providers publish them: a `kubeconfig` with the
 * cluster's server, its CA and a bearer token (random, so tests can check it is never leaked).
 */
export function clusterKubeconfig(name: string): Record<string, string> {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: clusterServer(name),
          'certificate-authority-data': Buffer.from(fakeCertificate).toString('base64'),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    'current-context': name,
    users: [{ name: `${name}-admin`, user: { token: `fake-${randomBytes(16).toString('hex')}` } }],
  };
  return { kubeconfig: stringify(kubeconfig) };
}
