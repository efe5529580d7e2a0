import { describe, expect, test } from 'vitest';
import { isMap, isScalar, LineCounter, parse, parseDocument } from 'yaml';
import { parseXrd } from '../../src/crossplane/crossplane-model.ts';
import { parseFieldPath } from '../../src/crossplane/field-path.ts';
import { validateAgainstXrd } from '../../src/crossplane/validate-against-xrd.ts';
import { xrd, xrdVersion } from './crossplane-test-objects.ts';

const XRD = xrd({
  group: 'example.org',
  kind: 'XDatabase',
  plural: 'xdatabases',
  claimKind: 'Database',
  versions: [
    { name: 'v1alpha1', served: false, referenceable: false },
    xrdVersion('v1', {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['parameters'],
          properties: {
            parameters: {
              type: 'object',
              required: ['size'],
              properties: {
                size: { type: 'string', enum: ['small', 'medium', 'large'] },
                storageGB: { type: 'integer', default: 20 },
                port: { 'x-kubernetes-int-or-string': true },
                owner: { type: 'string', nullable: true },
                deletionPolicy: { type: 'string', default: 'Delete' },
                extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                tags: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
          },
        },
        status: { type: 'object', properties: { address: { type: 'string' } } },
      },
    }),
  ],
});
const xrdModel = parseXrd(XRD);

/** A lineOf for a YAML text: the line of the key or item at a field path. */
function lineOfFor(text: string) {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  return (path: string): number | undefined => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const s of parseFieldPath(path)) {
      if (!isMap(node)) return undefined;
      const pair = node.items.find(
        (p) => isScalar(p.key) && p.key.value === (s.type === 'field' ? s.field : s.index),
      );
      if (!pair) return undefined;
      keyNode = pair.key;
      node = pair.value;
    }
    const range = (keyNode as { range?: [number, number, number] } | undefined)?.range;
    return range ? counter.linePos(range[0]).line : undefined;
  };
}

function validate(text: string) {
  return validateAgainstXrd(parse(text) as Record<string, unknown>, xrdModel, {
    file: 'db.yaml',
    lineOf: lineOfFor(text),
  });
}

describe('validateAgainstXrd', () => {
  test('a valid claim passes and gets defaults applied, as the API server would', () => {
    const { errors, defaulted } = validate(`apiVersion: example.org/v1
kind: Database
metadata: { name: db, namespace: team }
spec:
  compositionRef: { name: aws }
  writeConnectionSecretToRef: { name: db-conn }
  parameters:
    size: small
    port: "5432"
    owner: null
    extra: { anything: [1, 2] }
    tags: { team: a }
`);
    expect(errors).toEqual([]);
    expect(defaulted.spec).toEqual({
      compositionRef: { name: 'aws' },
      writeConnectionSecretToRef: { name: 'db-conn' },
      parameters: {
        size: 'small',
        port: '5432',
        owner: null,
        extra: { anything: [1, 2] },
        tags: { team: 'a' },
        storageGB: 20,
        deletionPolicy: 'Delete',
      },
    });
  });

  test('reports unknown fields, wrong types, missing required fields and enum violations with lines', () => {
    const text = `apiVersion: example.org/v1
kind: Database
metadata: { name: db }
spec:
  parameters:
    sise: small
    storageGB: "50"
    tags: { team: 7 }
  compositonRef: { name: typo }
`;
    const { errors } = validate(text);
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          path: 'spec.parameters.sise',
          message: expect.stringContaining('unknown field "sise"'),
          line: 6,
          file: 'db.yaml',
        },
        {
          path: 'spec.parameters.storageGB',
          message: 'must be integer, got string "50"',
          line: 7,
          file: 'db.yaml',
        },
        {
          path: 'spec.parameters.size',
          message: 'required field "size" is missing',
          line: 5,
          file: 'db.yaml',
        },
        {
          path: 'spec.parameters.tags.team',
          message: 'must be string, got integer 7',
          line: 8,
          file: 'db.yaml',
        },
        {
          path: 'spec.compositonRef',
          message: expect.stringContaining('Kubernetes prunes'),
          line: 9,
          file: 'db.yaml',
        },
      ]),
    );
    expect(errors).toHaveLength(5);
  });

  test('enum violations list the allowed values', () => {
    const { errors } = validate(`apiVersion: example.org/v1
kind: Database
metadata: { name: db }
spec:
  parameters: { size: huge }
`);
    expect(errors).toEqual([
      {
        path: 'spec.parameters.size',
        message: 'unsupported value "huge": must be one of "small", "medium", "large"',
        line: 5,
        file: 'db.yaml',
      },
    ]);
  });

  test('int-or-string rejects other types', () => {
    const { errors } = validate(`apiVersion: example.org/v1
kind: Database
metadata: { name: db }
spec: { parameters: { size: small, port: true } }
`);
    expect(errors.map((e) => e.path)).toEqual(['spec.parameters.port']);
  });

  test('an XR accepts the legacy Crossplane fields but a claim does not accept resourceRefs', () => {
    const xr = validateAgainstXrd(
      parse(
        '{ apiVersion: example.org/v1, kind: XDatabase, metadata: { name: x }, spec: { parameters: { size: small }, resourceRefs: [] } }',
      ),
      xrdModel,
    );
    expect(xr.errors).toEqual([]);
    const claim = validateAgainstXrd(
      parse(
        '{ apiVersion: example.org/v1, kind: Database, metadata: { name: x }, spec: { parameters: { size: small }, resourceRefs: [] } }',
      ),
      xrdModel,
      { line: 3 },
    );
    expect(claim.errors).toEqual([
      { path: 'spec.resourceRefs', message: expect.stringContaining('unknown field'), line: 3 },
    ]);
  });

  test('a version that is not served is an error', () => {
    const { errors } = validateAgainstXrd(
      parse('{ apiVersion: example.org/v1alpha1, kind: Database, metadata: { name: x } }'),
      xrdModel,
    );
    expect(errors).toEqual([
      { path: 'apiVersion', message: 'version v1alpha1 of xdatabases.example.org is not served' },
    ]);
  });
});
