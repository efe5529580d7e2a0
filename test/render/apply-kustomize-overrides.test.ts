import { describe, expect, it } from 'vitest';
import {
  applyKustomizeOverrides,
  KustomizeOverrideError,
  parseImageOverride,
} from '../../src/render/apply-kustomize-overrides.ts';

describe('parseImageOverride (kustomize edit set image)', () => {
  it.each([
    ['nginx=registry.local/nginx:1.27', { name: 'nginx', newName: 'registry.local/nginx', newTag: '1.27' }],
    ['nginx:1.27', { name: 'nginx', newTag: '1.27' }],
    ['nginx@sha256:abc', { name: 'nginx', digest: 'sha256:abc' }],
    ['nginx=mirror/nginx', { name: 'nginx', newName: 'mirror/nginx' }],
    ['localhost:5000/app:2', { name: 'localhost:5000/app', newTag: '2' }],
    ['app=localhost:5000/app@sha256:f', { name: 'app', newName: 'localhost:5000/app', digest: 'sha256:f' }],
  ])('%s', (text, expected) => {
    expect(parseImageOverride(text)).toEqual(expected);
  });
});

describe('applyKustomizeOverrides', () => {
  it('sets, merges and appends like Argo CD does on its copy', () => {
    const original = {
      resources: ['deploy.yaml'],
      images: [{ name: 'nginx', newTag: '1.0' }],
      commonLabels: { team: 'a' },
      replicas: [{ name: 'web', count: 1 }],
      patches: [{ path: 'p.yaml' }],
    };
    const out = applyKustomizeOverrides(original, {
      namePrefix: 'pre-',
      nameSuffix: '-suf',
      namespace: 'ns',
      images: ['nginx@sha256:abc', 'redis:7'],
      commonLabels: { env: 'prod' },
      commonAnnotations: { owner: 'me' },
      replicas: [
        { name: 'web', count: '3' },
        { name: 'api', count: 2 },
      ],
      patches: [{ patch: 'x', target: { kind: 'Deployment' } }],
      components: ['../components/extra'],
    });
    expect(out).toEqual({
      resources: ['deploy.yaml'],
      namePrefix: 'pre-',
      nameSuffix: '-suf',
      namespace: 'ns',
      images: [
        { name: 'nginx', digest: 'sha256:abc' },
        { name: 'redis', newTag: '7' },
      ],
      commonLabels: { team: 'a', env: 'prod' },
      commonAnnotations: { owner: 'me' },
      replicas: [
        { name: 'web', count: 3 },
        { name: 'api', count: 2 },
      ],
      patches: [{ path: 'p.yaml' }, { patch: 'x', target: { kind: 'Deployment' } }],
      components: ['../components/extra'],
    });
    expect(original.images).toEqual([{ name: 'nginx', newTag: '1.0' }]);
  });

  it('refuses to overwrite an existing label unless forced, as kustomize edit does', () => {
    const original = { commonLabels: { team: 'a' } };
    expect(() => applyKustomizeOverrides(original, { commonLabels: { team: 'b' } })).toThrow(
      KustomizeOverrideError,
    );
    expect(
      applyKustomizeOverrides(original, { commonLabels: { team: 'b' }, forceCommonLabels: true }),
    ).toEqual({
      commonLabels: { team: 'b' },
    });
  });

  it('adds labels without selectors to `labels` when asked', () => {
    expect(applyKustomizeOverrides({}, { commonLabels: { env: 'x' }, labelWithoutSelector: true })).toEqual({
      labels: [{ pairs: { env: 'x' }, includeSelectors: false }],
    });
  });

  it('rejects a non-integer replica count', () => {
    expect(() => applyKustomizeOverrides({}, { replicas: [{ name: 'w', count: 'three' }] })).toThrow(
      /not an integer/,
    );
  });
});
