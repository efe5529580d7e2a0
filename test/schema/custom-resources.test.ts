import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { collectCustomDefinitions } from '../../src/schema/custom-definitions.ts';
import { createSchemaValidator, SchemaCatalog } from '../../src/schema/schema-validator.ts';

// A CRD as the repository holds it (cert-manager style), and a Crossplane XRD whose kinds the claims gate checks.
const DEFINITIONS = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.example.io}
spec:
  group: example.io
  names: {kind: Certificate, plural: certificates}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object}}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [secretName]
              properties:
                secretName: {type: string}
                duration: {type: string, nullable: true}
                keySize: {type: integer}
                port: {x-kubernetes-int-or-string: true}
                privateKey:
                  type: object
                  properties:
                    algorithm: {type: string, enum: [RSA, ECDSA, Ed25519]}
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
            status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata: {name: xdatabases.platform.example.io}
spec:
  group: platform.example.io
  names: {kind: XDatabase, plural: xdatabases}
  claimNames: {kind: Database, plural: databases}
  versions: [{name: v1, served: true, referenceable: true, schema: {openAPIV3Schema: {type: object}}}]
`;

const definitions = collectCustomDefinitions(
  parseAllDocuments(DEFINITIONS).map((d) => d.toJS() as Record<string, unknown>),
);
const validator = createSchemaValidator({ catalog: new SchemaCatalog(), definitions });
const check = (yaml: string) => validator.validate(parse(yaml) as Record<string, unknown>, '1.36');
const certificate = (spec: string, apiVersion = 'example.io/v1') =>
  check(
    `{apiVersion: ${apiVersion}, kind: Certificate, metadata: {name: web, namespace: shop}, spec: ${spec}}`,
  );

describe('custom resources against the CRDs of the repository', () => {
  it('accepts a valid object, preserved unknown fields, an int-or-string as either, and a nullable null', async () => {
    for (const port of ['8443', 'https']) {
      expect(
        await certificate(
          `{secretName: web-tls, keySize: 2048, port: ${port}, duration: null, extra: {anything: [1, 2]}}`,
        ),
      ).toEqual({ status: 'valid' });
    }
  });

  it.each([
    [
      'an unknown field (pruned by the API server)',
      '{secretName: s, secretNmae: t}',
      'spec.secretNmae',
      'unknown field "secretNmae"',
    ],
    [
      'a wrong type',
      '{secretName: s, keySize: "2048"}',
      'spec.keySize',
      'must be integer, got string "2048"',
    ],
    [
      'a value outside the enum',
      '{secretName: s, privateKey: {algorithm: DSA}}',
      'spec.privateKey.algorithm',
      'unsupported value "DSA": must be one of "RSA", "ECDSA", "Ed25519"',
    ],
    [
      'a missing required field',
      '{keySize: 2048}',
      'spec.secretName',
      'required field "secretName" is missing',
    ],
  ])('refuses %s', async (_name, spec, path, message) => {
    expect(await certificate(spec)).toEqual({ status: 'invalid', errors: [{ path, message }] });
  });

  it('refuses a version the CRD does not serve', async () => {
    expect(await certificate('{secretName: s}', 'example.io/v1alpha1')).toEqual({
      status: 'invalid',
      errors: [
        {
          path: 'apiVersion',
          message:
            'CustomResourceDefinition certificates.example.io does not serve version v1alpha1 (serves v1)',
        },
      ],
    });
  });

  it('accepts values only known after apply in place of any type', async () => {
    const object = parse('{apiVersion: example.io/v1, kind: Certificate, metadata: {name: c}}') as Record<
      string,
      unknown
    >;
    object.spec = {
      secretName: KNOWN_AFTER_APPLY,
      keySize: KNOWN_AFTER_APPLY,
      privateKey: { algorithm: KNOWN_AFTER_APPLY },
    };
    expect(await validator.validate(object, '1.36')).toEqual({ status: 'valid' });
  });

  it('leaves the XR and claim kinds of an XRD to the claims gate', async () => {
    for (const kind of ['XDatabase', 'Database']) {
      expect(
        await check(
          `{apiVersion: platform.example.io/v1, kind: ${kind}, metadata: {name: d}, spec: {bogus: 1}}`,
        ),
      ).toEqual({
        status: 'skipped',
      });
    }
  });

  it('names a kind with no CRD as not validated, without failing it', async () => {
    expect(
      await check(
        '{apiVersion: monitoring.coreos.com/v1, kind: ServiceMonitor, metadata: {name: m}, spec: {x: 1}}',
      ),
    ).toEqual({
      status: 'not-validated',
      reason: 'no CustomResourceDefinition in the repository or the plan',
    });
  });

  it('compiles a schema once however many objects use it', async () => {
    const catalog = new SchemaCatalog();
    const [crd] = [...definitions.crds.values()];
    const schema = crd!.versions[1]!.schema!;
    expect(catalog.crd(schema)).toBe(catalog.crd(structuredClone(schema)));
  });
});
