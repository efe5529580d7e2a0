import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterFromSecret } from '../../src/gitops/cluster-secret.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('clusterFromSecret', () => {
  it('reads name and server from stringData, with every label and annotation', () => {
    const secret = parse(`
apiVersion: v1
kind: Secret
metadata:
  name: prod-cluster
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    environment: production
  annotations:
    owner: team-a
type: Opaque
stringData:
  name: prod
  server: https://prod.example.com
  config: '{}'
`);
    expect(clusterFromSecret(secret)).toEqual({
      name: 'prod',
      server: 'https://prod.example.com',
      labels: { 'argocd.argoproj.io/secret-type': 'cluster', environment: 'production' },
      annotations: { owner: 'team-a' },
    });
  });

  it('decodes base64 data, stringData winning over data', () => {
    const secret = {
      kind: 'Secret',
      metadata: { name: 's', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      data: { name: b64('from-data'), server: b64('https://data.example.com') },
      stringData: { name: 'from-string-data' },
    };
    expect(clusterFromSecret(secret)).toMatchObject({
      name: 'from-string-data',
      server: 'https://data.example.com',
    });
  });

  it.each([
    [
      'a Secret of another type',
      {
        kind: 'Secret',
        metadata: { name: 's', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
        stringData: { server: 'x' },
      },
    ],
    ['a Secret without labels', { kind: 'Secret', metadata: { name: 's' }, stringData: { server: 'x' } }],
    [
      'a ConfigMap with the label',
      {
        kind: 'ConfigMap',
        metadata: { name: 's', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        data: { server: 'x' },
      },
    ],
    [
      'a cluster Secret without a server',
      {
        kind: 'Secret',
        metadata: { name: 's', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        stringData: { name: 'x' },
      },
    ],
    [
      'a cluster Secret whose data is not base64',
      {
        kind: 'Secret',
        metadata: { name: 's', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
        data: { server: 'not base64!' },
      },
    ],
  ])('ignores %s', (_label, obj) => {
    expect(clusterFromSecret(obj)).toBeUndefined();
  });
});
