import { describe, expect, it } from 'vitest';
import { ManifestParseError, parseManifests } from '../../src/model/parse-manifests.ts';

const TEXT = `# comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
data:
  k: v
---
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: b}
  - apiVersion: v1
    kind: Service
    metadata:
      name: c
    spec:
      ports:
        - port: 80
`;

describe('parseManifests', () => {
  it('drops empty documents, flattens Lists and keeps each object line', () => {
    const docs = parseManifests(TEXT);
    expect(docs.map((d) => [(d.value as { kind: string }).kind, d.line])).toEqual([
      ['ConfigMap', 2],
      ['Secret', 13],
      ['Service', 16],
    ]);
  });

  it('finds the line of a field by dotted path with indexes', () => {
    const [configMap] = parseManifests(TEXT);
    expect(configMap!.lineOf!('data.k')).toBe(7);
    expect(configMap!.lineOf!('metadata.name')).toBe(5);
    expect(configMap!.lineOf!('spec.missing')).toBeUndefined();
    const [doc] = parseManifests('spec:\n  ports:\n    - port: 80\n    - port: 443\n');
    expect(doc!.lineOf!('spec.ports[1].port')).toBe(4);
  });

  it('reports invalid YAML with its line', () => {
    expect(() => parseManifests('a: 1\nb: [\n')).toThrow(ManifestParseError);
  });
});
