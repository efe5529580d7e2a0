import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { YAMLError } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { discoverManifests } from '../../src/gitops/discover-manifests.ts';
import { ManifestParseError, parseManifests } from '../../src/model/parse-manifests.ts';
import { parseYamlValue, YAML_LIMITS, YamlLimitError } from '../../src/model/safe-yaml.ts';
import { YamlCache } from '../../src/model/yaml-cache.ts';
import { parseRendered } from '../../src/render/parse-rendered.ts';
import { InvalidManifestError } from '../../src/render/render-error.ts';
import { seededRandom as rng } from '../support/seeded-random.ts';

const SEEDS = Array.from({ length: 150 }, (_, i) => 1000 + i);

const BASE = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app
  namespace: argocd
spec:
  project: default
  source: {repoURL: https://github.com/acme/gitops.git, path: apps, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: x}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
    data: {k: v}
`;

/** A hostile YAML text: aliases fanned out over levels, deep nesting, big scalars, mutations of a manifest. */
function hostileYaml(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number) => Math.floor(random() * max);
  switch (int(5)) {
    case 0: {
      const lines = [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: x}',
        'data:',
        `  a0: &a0 "${'x'.repeat(int(100_000))}"`,
      ];
      const levels = 1 + int(12);
      for (let i = 1; i <= levels; i++) {
        lines.push(
          `  a${i}: &a${i} [${Array.from({ length: 1 + int(12) }, () => `*a${int(i)}`).join(', ')}]`,
        );
      }
      return lines.join('\n');
    }
    case 1: {
      const depth = int(YAML_LIMITS.maxDepth * 3);
      return random() < 0.5
        ? `a: ${'['.repeat(depth)}${']'.repeat(depth)}`
        : `a: ${'{b: '.repeat(depth)}1${'}'.repeat(depth)}`;
    }
    case 2: {
      const big = 'y'.repeat(int(600 * 1024));
      return `kind: Secret\napiVersion: v1\nmetadata: {name: s}\nstringData:\n  k: &k "${big}"\n  c: *k\n  d: *k`;
    }
    case 3: {
      // Mutations of a valid multi-document manifest.
      const chars = [...BASE];
      for (let i = int(20); i >= 0; i--) {
        const at = int(chars.length);
        const op = int(3);
        const insert = pick([
          '*a',
          '&a ',
          '[',
          '{',
          ']',
          '}',
          ':',
          '- ',
          '\n',
          '  ',
          '---\n',
          '<<: *a\n',
          '!!binary ',
          '"',
          "'",
          '\t',
          '\u0000',
        ]);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, insert);
        else chars[at] = insert;
      }
      return chars.join('');
    }
    default: {
      // Self-references and forward references.
      return pick([
        'a: &a [*a]',
        'a: *b\nb: &b 1',
        '&a a: *a',
        'a: &a {b: *a}',
        '- &x [*x, *x]',
        '? &k *k\n: v',
      ]);
    }
  }
}

describe('YAML mutation fuzz: no parser input can crash a plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const typed = (error: unknown) =>
    error instanceof ManifestParseError ||
    error instanceof YamlLimitError ||
    error instanceof YAMLError ||
    error instanceof ConfigError ||
    error instanceof InvalidManifestError;

  it.each(SEEDS)(
    'seed %i: every parser throws only its typed errors, and discovery completes',
    async (seed) => {
      const text = hostileYaml(rng(seed));
      const attempts: [string, () => unknown][] = [
        ['parseManifests', () => parseManifests(text)],
        ['parseYamlValue', () => parseYamlValue(text)],
        ['YamlCache.parseValue', () => new YamlCache().parseValue(text)],
        ['loadConfig', () => loadConfig(text)],
        ['parseRendered', () => parseRendered(text, { where: 'application fuzz' })],
      ];
      for (const [name, attempt] of attempts) {
        try {
          const value = attempt();
          // What does parse stays bounded: never more than the limit's expansion of the text.
          expect(JSON.stringify(value ?? null).length, name).toBeLessThanOrEqual(
            Math.max(YAML_LIMITS.minExpandedBytes, text.length * YAML_LIMITS.maxExpansionRatio) * 2,
          );
        } catch (error) {
          expect(typed(error), `${name} threw ${String(error)}`).toBe(true);
        }
      }
      const root = join(dir, String(seed));
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'hostile.yaml'), `# argoproj.io\n${text}`);
      const discovery = await discoverManifests(root, { include: ['**/*.yaml'], exclude: [] });
      expect(discovery.applications.length + discovery.parseErrors.length).toBeLessThanOrEqual(10);
    },
  );
});
