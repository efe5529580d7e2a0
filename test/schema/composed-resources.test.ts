import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { validateComposedSchemas } from '../../src/engine/schema-stage.ts';
import { collectCustomDefinitions } from '../../src/schema/custom-definitions.ts';
import { createSchemaValidator, SchemaCatalog } from '../../src/schema/schema-validator.ts';

// A provider CRD as a repository vendors it (trimmed): the composed Bucket must match it.
const PROVIDER_CRD = parse(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: buckets.s3.aws.upbound.io}
spec:
  group: s3.aws.upbound.io
  names: {kind: Bucket, plural: buckets}
  scope: Cluster
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                deletionPolicy: {type: string, enum: [Orphan, Delete]}
                forProvider:
                  type: object
                  properties:
                    region: {type: string}
                    objectLockEnabled: {type: boolean}
                providerConfigRef: {type: object, properties: {name: {type: string}}}
`) as Record<string, unknown>;

const validator = createSchemaValidator({
  catalog: new SchemaCatalog(),
  definitions: collectCustomDefinitions([PROVIDER_CRD]),
});

const bucket = (forProvider: Record<string, unknown>) => ({
  apiVersion: 's3.aws.upbound.io/v1beta1',
  kind: 'Bucket',
  metadata: { name: KNOWN_AFTER_APPLY },
  spec: { forProvider, providerConfigRef: { name: 'default' } },
});

const claim = (action: string) => ({ kind: 'ObjectStorage', namespace: 'team-a', name: 'logs', action });

describe('predicted composed resources', () => {
  it('fails a composed resource its provider CRD refuses, at the claim file and line', async () => {
    const result = await validateComposedSchemas({
      plan: {
        claims: [claim('create')],
        predicted: [
          {
            label: 'ObjectStorage team-a/logs',
            file: 'claims/logs.yaml',
            line: 3,
            objects: [bucket({ region: 'eu-west-1', regoin: 'eu-west-1', objectLockEnabled: 'yes' })],
          },
        ],
      },
      validator,
      kubeVersion: '1.36',
    });
    expect(result.findings).toEqual([
      {
        id: 'manifests',
        file: 'claims/logs.yaml',
        line: 3,
        message:
          'ObjectStorage team-a/logs: composed Bucket (known after apply): spec.forProvider.regoin: unknown field "regoin"; ' +
          'spec.forProvider.objectLockEnabled: must be boolean, got string "yes"',
      },
    ]);
  });

  it('accepts values known only after apply, and names composed kinds without a schema in the claim notes', async () => {
    const result = await validateComposedSchemas({
      plan: {
        claims: [claim('update')],
        predicted: [
          {
            label: 'ObjectStorage team-a/logs',
            objects: [
              bucket({ region: KNOWN_AFTER_APPLY, objectLockEnabled: KNOWN_AFTER_APPLY }),
              { apiVersion: 'iam.aws.upbound.io/v1beta1', kind: 'Role', metadata: { name: 'r' }, spec: {} },
            ],
          },
        ],
      },
      validator,
      kubeVersion: '1.36',
    });
    expect(result.findings).toEqual([]);
    expect(result.notValidated.get('ObjectStorage team-a/logs')).toEqual([
      'Role (iam.aws.upbound.io/v1beta1)',
    ]);
  });

  it('does not gate the composed resources of a claim the change leaves unchanged', async () => {
    const result = await validateComposedSchemas({
      plan: {
        claims: [claim('unchanged')],
        predicted: [{ label: 'ObjectStorage team-a/logs', objects: [bucket({ regoin: 'x' })] }],
      },
      validator,
      kubeVersion: '1.36',
    });
    expect(result.findings).toEqual([]);
  });
});
