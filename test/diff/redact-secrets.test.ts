import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { redactSecrets } from '../../src/diff/redact-secrets.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';

const obj = (text: string) => parse(text) as KubeObject;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (body: string) =>
  obj(`apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: n }\n${body}`);

describe('redactSecrets', () => {
  test('an unchanged value gets equal markers, a changed one distinct markers', () => {
    const { base, head } = redactSecrets(
      secret(`data: { same: ${b64('one')}, changed: ${b64('old')} }`),
      secret(`data: { same: ${b64('one')}, changed: ${b64('new')} }`),
    );
    expect(base?.data).toEqual({ same: '++++++++', changed: '++++++++' });
    expect(head?.data).toEqual({ same: '++++++++', changed: '++++++++++++' });
  });

  test('a key on one side only is redacted there', () => {
    const { base, head } = redactSecrets(secret('data: { a: YQ== }'), secret('data: { a: YQ==, b: Yg== }'));
    expect(base?.data).toEqual({ a: '++++++++' });
    expect(head?.data).toEqual({ a: '++++++++', b: '++++++++' });
  });

  test('stringData is folded into data, so the same value in either form compares equal', () => {
    const { base, head } = redactSecrets(
      secret(`data: { password: ${b64('hunter2')} }`),
      secret('stringData: { password: hunter2, extra: x }'),
    );
    expect(head).not.toHaveProperty('stringData');
    expect(base?.data).toEqual({ password: '++++++++' });
    expect(head?.data).toEqual({ password: '++++++++', extra: '++++++++' });
  });

  test('stringData overrides data for the same key', () => {
    const { base, head } = redactSecrets(
      secret(`data: { k: ${b64('a')} }`),
      secret(`data: { k: ${b64('a')} }\nstringData: { k: b }`),
    );
    expect([base?.data, head?.data]).toEqual([{ k: '++++++++' }, { k: '++++++++++++' }]);
  });

  test('the last-applied annotation is redacted, other annotations kept', () => {
    const annotated = (v: string) =>
      obj(`
apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations: { note: visible, kubectl.kubernetes.io/last-applied-configuration: '${v}' }
`);
    const { base, head } = redactSecrets(
      annotated('{"data":{"k":"c2VjcmV0"}}'),
      annotated('{"data":{"k":"b3RoZXI="}}'),
    );
    expect(base?.metadata.annotations).toEqual({
      note: 'visible',
      'kubectl.kubernetes.io/last-applied-configuration': '++++++++',
    });
    expect(head?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBe(
      '++++++++++++',
    );
  });

  test('create and delete: a single side is redacted', () => {
    expect(redactSecrets(undefined, secret('stringData: { k: v }'))).toEqual({
      head: expect.objectContaining({ data: { k: '++++++++' } }),
    });
    expect(redactSecrets(secret('data: { k: dg== }'), undefined).base?.data).toEqual({ k: '++++++++' });
  });

  test('a data field that is not a map is redacted as a whole', () => {
    expect(redactSecrets(undefined, secret('data: plaintext-marker')).head?.data).toBe('++++++++');
  });

  test('non-Secret objects and Secret kinds of other groups pass through', () => {
    const cm = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: v}}');
    const sealed = obj('{apiVersion: bitnami.com/v1alpha1, kind: Secret, metadata: {name: c}, data: {k: v}}');
    expect(redactSecrets(cm, cm)).toEqual({ base: cm, head: cm });
    expect(redactSecrets(undefined, sealed).head?.data).toEqual({ k: 'v' });
  });

  test('the inputs are not modified', () => {
    const input = secret('stringData: { k: v }');
    redactSecrets(input, input);
    expect(input.stringData).toEqual({ k: 'v' });
  });
});
