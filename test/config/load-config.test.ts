import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { DEFAULT_CONFIG } from '../../src/config/mergeplane-config.ts';

function configError(text: string): ConfigError {
  try {
    loadConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('treats a missing or empty file as all defaults', () => {
    expect(loadConfig(undefined)).toEqual(DEFAULT_CONFIG);
    expect(loadConfig('')).toEqual(DEFAULT_CONFIG);
    expect(loadConfig('# only a comment\n')).toEqual(DEFAULT_CONFIG);
  });

  it('keeps defaults for keys a partial file leaves out', () => {
    const config = loadConfig(
      'render:\n  concurrency: 8\nclusters:\n  - name: prod\n    server: https://prod\n',
    );
    expect(config.render.concurrency).toBe(8);
    expect(config.render.timeoutSeconds).toBe(DEFAULT_CONFIG.render.timeoutSeconds);
    expect(config.clusters).toEqual([{ name: 'prod', server: 'https://prod', labels: {}, annotations: {} }]);
    expect(config.approval.destructiveKinds).toContain('Namespace');
  });

  it('reads delivery.kubeContext, absent by default (the worker keeps its current context)', () => {
    expect(DEFAULT_CONFIG.delivery).not.toHaveProperty('kubeContext');
    const config = loadConfig('delivery:\n  kubeContext: mgmt-eu\n');
    expect(config.delivery.kubeContext).toBe('mgmt-eu');
    expect(config.delivery.timeoutSeconds).toBe(DEFAULT_CONFIG.delivery.timeoutSeconds);
    expect(configError('delivery:\n  kubeContext: ""\n').message).toContain('delivery.kubeContext');
  });

  it('names the file, line and key path of a wrong value', () => {
    const error = configError('render:\n  concurrency: many\n');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^\.github\/mergeplane\.yml:2: render\.concurrency: /);
  });

  it('reports a misspelt key on its own line instead of ignoring it', () => {
    const error = configError('approval:\n  users: [alice]\n  destructiveKind: [Namespace]\n');
    expect(error.message).toContain('unknown key "destructiveKind"');
    expect(error.line).toBe(3);
  });

  it('points into lists', () => {
    const error = configError('clusters:\n  - name: a\n    server: https://a\n  - name: b\n');
    expect(error.message).toContain('clusters[1].server');
    expect(error.line).toBe(4);
  });

  it('reports invalid YAML with its line', () => {
    const error = configError('render:\n  concurrency: [1\n');
    expect(error.message).toMatch(/invalid YAML/);
    expect(error.line).toBeGreaterThanOrEqual(2);
  });
});

describe('docs/mergeplane.schema.json', () => {
  it('is regenerated from the zod schema (node scripts/generate-config-schema.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const { configJsonSchema } = await import('../../src/config/config-json-schema.ts');
    const committed = JSON.parse(
      readFileSync(new URL('../../docs/mergeplane.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
  });
});
