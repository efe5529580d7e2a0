import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_CASES } from './chart-cases.ts';
import { CHART_DIR, helm, mergeValues, REQUIRED, type Values } from './chart-template.ts';

const template = (values: Values) =>
  helm(['template', 'mergeplane', CHART_DIR, '--namespace', 'mergeplane'], values);

// helm runs side by side: each is a separate process.
describe.concurrent('helm lint --strict', () => {
  it.for(Object.keys(CHART_CASES))('%s', async (name, { expect }) => {
    const run = await helm(['lint', '--strict', CHART_DIR], CHART_CASES[name]);
    expect(run.stderr + run.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(run.code).toBe(0);
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
  const defaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Values;

  it('is a valid draft-07 schema that the chart’s defaults and every tested case satisfy', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const values of [defaults, ...Object.values(CHART_CASES).map((v) => mergeValues(defaults, v))]) {
      expect(validate(values) ? [] : validate.errors).toEqual([]);
    }
  });

  // helm validates the merged values against the schema before rendering anything.
  it.concurrent.for<[string, Values, RegExp]>([
    ['a wrong type', { worker: { replicas: 'two' } }, /worker\/replicas.*want integer/],
    ['a key the chart does not know', { worker: { replica: 3 } }, /additional properties 'replica'/],
    [
      'a credential as a value',
      { github: { privateKey: '-----BEGIN' } },
      /additional properties 'privateKey'/,
    ],
    ['a Redis URL with a password', { redis: { url: 'redis://:hunter2@redis:6379' } }, /redis\/url/],
    [
      'cluster nodes with a password',
      { redis: { url: '', clusterNodes: ['redis://u:p@a:6379'] } },
      /clusterNodes/,
    ],
    ['root as the render user', { worker: { renderUser: '0:0' } }, /renderUser/],
    ['a queue prefix the server refuses', { redis: { queuePrefix: 'a b' } }, /queuePrefix/],
    ['an unknown log level', { logLevel: 'verbose' }, /logLevel/],
    [
      'a NetworkPolicy rule that is no object',
      { networkPolicy: { egress: ['443'] } },
      /networkPolicy\/egress/,
    ],
  ])('refuses %s', async ([, bad, message], { expect }) => {
    const run = await template(mergeValues(REQUIRED, bad));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});

describe('the chart’s own checks across values', () => {
  it.concurrent.for<[string, Values, RegExp]>([
    ['no Redis at all', {}, /set exactly one of redis.url/],
    [
      'two Redis sources',
      mergeValues(REQUIRED, { redis: { clusterNodes: ['redis://a:6379'] } }),
      /exactly one/,
    ],
    ['a Secret without its key', { redis: { existingSecret: 'r' } }, /redis.secretKeys/],
    [
      'a cluster prefix that is no hash tag',
      { redis: { clusterNodes: ['redis://a:6379'], queuePrefix: 'mergeplane' } },
      /must be a hash tag/,
    ],
    [
      'KEDA without a Redis address',
      mergeValues(REQUIRED, { worker: { autoscaling: { keda: { enabled: true } } } }),
      /keda.redis/,
    ],
    [
      'a NetworkPolicy that lets nothing out but DNS',
      mergeValues(REQUIRED, { networkPolicy: { enabled: true } }),
      /networkPolicy.egress/,
    ],
    [
      'a live-read rule for Secrets',
      mergeValues(REQUIRED, {
        rbac: { liveRead: { extraRules: [{ apiGroups: [''], resources: ['secrets'] }] } },
      }),
      /never reads Secrets/,
    ],
  ])('refuses %s', async ([, values, message], { expect }) => {
    const run = await template(values);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});
