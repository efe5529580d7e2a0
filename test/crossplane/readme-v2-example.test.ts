import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { parseManifests } from '../../src/model/parse-manifests.ts';

/* The README's v2 example (the first yaml block of "Provisioning plans"), planned as the README says it is. */
const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const section = README.slice(README.indexOf('## Provisioning plans (Crossplane)'));
const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

/** The v2 XRD the example's Composition composes for (the README leaves it out for brevity). */
const XRD = `apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
metadata: { name: buckets.storage.example.org }
spec:
  group: storage.example.org
  scope: Namespaced
  names: { kind: Bucket, plural: buckets }
  versions:
    - name: v1alpha1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                regions: { type: array, items: { type: string } }
`;

const objects = (text: string): CrossplaneObject[] =>
  parseManifests(text).map((d) => ({ object: d.value as Record<string, unknown>, file: 'README.md' }));

describe('README v2 example', () => {
  it('plans two namespaced managed buckets for the namespaced XR', () => {
    const all = objects(example);
    const platform = [...objects(XRD), ...all.filter((o) => o.object.kind === 'Composition')];
    const result = planClaims({ base: { objects: platform }, head: { objects: [...objects(XRD), ...all] } });
    expect(result.findings).toEqual([]);
    const [xr] = result.claims;
    expect(xr).toMatchObject({ kind: 'Bucket', namespace: 'team-a', name: 'logs', action: 'create' });
    expect(xr?.summary).toEqual({ add: 2, change: 0, destroy: 0, blocked: 0 });
    for (const region of ['eu-west-1', 'us-east-1']) {
      const bucket = xr?.composed.find((c) => c.name === `bucket-${region}`);
      expect(bucket).toMatchObject({
        apiVersion: 's3.aws.m.upbound.io/v1beta1',
        kind: 'Bucket',
        action: 'create',
      });
      expect(bucket?.fields).toEqual(
        expect.arrayContaining([
          { path: 'spec.forProvider.region', after: region },
          { path: 'metadata.namespace', after: 'team-a' },
          { path: 'metadata.name', after: KNOWN_AFTER_APPLY },
        ]),
      );
    }
  });
});
