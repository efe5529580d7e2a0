import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { diffResources } from '../../src/diff/diff-resources.ts';
import { UnsupportedJqExpressionError } from '../../src/diff/ignore-differences.ts';
import type { IgnoreDifference } from '../../src/gitops/application.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { parseManifests } from '../../src/model/parse-manifests.ts';

/** A multi-document YAML stream. */
const docs = (...texts: string[]) => texts.join('---\n');
const objects = (text: string) => parseManifests(text).map((d) => d.value as KubeObject);

function diff(
  base: string,
  head: string,
  extra: { ignoreDifferences?: IgnoreDifference[]; contextLines?: number } = {},
) {
  return diffResources({
    base: objects(base),
    head: objects(head),
    ignoreDifferences: extra.ignoreDifferences ?? [],
    defaultNamespace: 'prod',
    ...(extra.contextLines !== undefined ? { contextLines: extra.contextLines } : {}),
  });
}

const configMap = (data: string, extra = '') => `
apiVersion: v1
kind: ConfigMap
metadata: { name: settings${extra} }
data: ${data}
`;

const deployment = (replicas: number, image = 'app:1', apiVersion = 'apps/v1') => `
apiVersion: ${apiVersion}
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: app
          image: ${image}
          env: [{ name: A, value: "1" }, { name: B, value: "2" }, { name: C, value: "3" }, { name: D, value: "4" }]
`;

describe('diffResources: actions', () => {
  test('create is all "+", against /dev/null', () => {
    const [change, ...rest] = diff('', configMap('{ k: v }'));
    expect(rest).toEqual([]);
    expect(change).toEqual({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'prod',
      name: 'settings',
      action: 'create',
      diff: expect.any(String),
    });
    expect(change!.diff).toMatchInlineSnapshot(`
      "--- /dev/null
      +++ head/ConfigMap/prod/settings
      @@ -0,0 +1,7 @@
      +apiVersion: v1
      +data:
      +  k: v
      +kind: ConfigMap
      +metadata:
      +  name: settings
      +  namespace: prod
      "
    `);
  });

  test('delete is all "-" and carries the base version', () => {
    const [change] = diff(deployment(1, 'app:1', 'apps/v1beta2'), '');
    expect(change).toMatchObject({ action: 'delete', group: 'apps', version: 'v1beta2', kind: 'Deployment' });
    const body = change!.diff.split('\n').slice(3).filter(Boolean);
    expect(body.length).toBeGreaterThan(5);
    expect(body.every((line) => line.startsWith('-'))).toBe(true);
    expect(change!.diff.split('\n').slice(0, 2)).toEqual(['--- base/Deployment/prod/web', '+++ /dev/null']);
  });

  test('update shows the changed lines with short, stable headers and no Index preamble', () => {
    const [change] = diff(deployment(2), deployment(3));
    expect(change?.action).toBe('update');
    expect(change!.diff).toMatchInlineSnapshot(`
      "--- base/Deployment/prod/web
      +++ head/Deployment/prod/web
      @@ -6,7 +6,7 @@
         name: web
         namespace: prod
       spec:
      -  replicas: 2
      +  replicas: 3
         template:
           spec:
             containers:
      "
    `);
  });

  test('unchanged resources are omitted', () => {
    expect(
      diff(docs(deployment(2), configMap('{ k: v }')), docs(configMap('{ k: v }'), deployment(2))),
    ).toEqual([]);
  });

  test('an apiVersion change pairs as an update carrying the head version', () => {
    const [change, ...rest] = diff(deployment(2, 'app:1', 'apps/v1beta2'), deployment(2));
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ action: 'update', version: 'v1' });
    expect(change!.diff).toContain('-apiVersion: apps/v1beta2\n+apiVersion: apps/v1\n');
  });

  test('a rename is a delete plus a create', () => {
    const changes = diff(configMap('{ k: v }'), configMap('{ k: v }', '-v2'));
    expect(changes.map((c) => [c.action, c.name])).toEqual([
      ['delete', 'settings'],
      ['create', 'settings-v2'],
    ]);
  });

  test('duplicate keys on one side: the last wins, no crash', () => {
    const changes = diff(configMap('{ k: v }'), docs(configMap('{ k: first }'), configMap('{ k: last }')));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.diff).toContain('+  k: last');
    expect(changes[0]!.diff).not.toContain('first');
  });
});

describe('diffResources: normalization', () => {
  test('status and server-managed metadata are ignored', () => {
    const live = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: prod
  uid: 1234
  resourceVersion: "99"
  generation: 4
  creationTimestamp: "2024-01-01T00:00:00Z"
  managedFields: [{ manager: argocd-controller }]
  annotations: { kubectl.kubernetes.io/last-applied-configuration: "{}" }
  labels: {}
data: { k: v }
status: { anything: true }
`;
    expect(diff(configMap('{ k: v }'), live)).toEqual([]);
  });

  test('a namespaced object without a namespace equals one in the destination namespace', () => {
    expect(
      diff(configMap('{ k: v }'), configMap('{ k: v }').replace('settings }', 'settings, namespace: prod }')),
    ).toEqual([]);
  });

  test('cluster-scoped objects have no namespace', () => {
    const [change] = diff('', 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n');
    expect(change).toMatchObject({ kind: 'Namespace', namespace: '', name: 'team' });
    expect(change!.diff).toContain('+++ head/Namespace/team\n');
    expect(change!.diff).not.toContain('namespace:');
  });

  test('a kind made cluster-scoped by a CRD in the render gets no namespace', () => {
    const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.org }
spec: { group: example.org, scope: Cluster, names: { kind: Widget, plural: widgets } }
`;
    const changes = diff(crd, `${crd}---\napiVersion: example.org/v1\nkind: Widget\nmetadata: { name: w }\n`);
    expect(changes).toMatchObject([{ kind: 'Widget', namespace: '' }]);
  });

  test('key order never matters and output order is deterministic', () => {
    const a =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, labels: { b: "1", a: "2" } }\ndata: { z: "1", a: "2" }\n';
    const b =
      'data: { a: "2", z: "1" }\nmetadata: { labels: { a: "2", b: "1" }, name: x }\nkind: ConfigMap\napiVersion: v1\n';
    expect(diff(a, b)).toEqual([]);

    const many = [
      deployment(1),
      configMap('{ k: v }', '-b'),
      configMap('{ k: v }', '-a'),
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other, namespace: aaa }\n',
    ];
    const forward = diff('', docs(...many));
    const backward = diff('', docs(...[...many].reverse()));
    expect(backward).toEqual(forward);
    expect(forward.map((c) => `${c.group}/${c.kind}/${c.namespace}/${c.name}`)).toEqual([
      '/ConfigMap/aaa/other',
      '/ConfigMap/prod/settings-a',
      '/ConfigMap/prod/settings-b',
      '/Namespace//team',
      'apps/Deployment/prod/web',
    ]);
  });

  test('long strings are not folded', () => {
    const long = 'x'.repeat(50).split('').join(' word');
    const [change] = diff('', configMap(`{ k: "${long}" }`));
    expect(change!.diff).toContain(`+  k: ${long}\n`);
  });
});

describe('diffResources: context lines', () => {
  test('default is 3', () => {
    const lines = diff(deployment(2, 'app:1'), deployment(2, 'app:2'))[0]!.diff.split('\n');
    const hunk = lines.slice(3, lines.indexOf('-          image: app:1'));
    expect(hunk).toHaveLength(3);
  });

  test.each([0, 1, 5])('contextLines %i', (n) => {
    const lines = diff(deployment(2, 'app:1'), deployment(2, 'app:2'), { contextLines: n })[0]!.diff.split(
      '\n',
    );
    expect(lines.slice(3, lines.indexOf('-          image: app:1'))).toHaveLength(n);
  });
});

describe('diffResources: ignoreDifferences', () => {
  const hpaManaged: IgnoreDifference = {
    group: 'apps',
    kind: 'Deployment',
    jsonPointers: ['/spec/replicas'],
  };

  test('an ignored field makes an otherwise equal pair unchanged', () => {
    expect(diff(deployment(2), deployment(5), { ignoreDifferences: [hpaManaged] })).toEqual([]);
  });

  test('the ignored field disappears from the diff of a real change', () => {
    const [change] = diff(deployment(2), deployment(5, 'app:2'), { ignoreDifferences: [hpaManaged] });
    expect(change!.diff).not.toContain('replicas');
    expect(change!.diff).toContain('+          image: app:2');
  });

  test('jq: .a[] | select(.name == "x") | .b', () => {
    const rule: IgnoreDifference = {
      group: 'apps',
      kind: 'Deployment',
      jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "app") | .image'],
    };
    expect(diff(deployment(2, 'app:1'), deployment(2, 'app:2'), { ignoreDifferences: [rule] })).toEqual([]);
  });

  test('rules are matched against the defaulted namespace', () => {
    const rule: IgnoreDifference = { kind: 'ConfigMap', namespace: 'prod', jsonPointers: ['/data'] };
    expect(diff(configMap('{ k: a }'), configMap('{ k: b }'), { ignoreDifferences: [rule] })).toEqual([]);
  });

  test('an unsupported jq expression throws, even with nothing to diff', () => {
    const rule: IgnoreDifference = { kind: '*', group: '*', jqPathExpressions: ['.spec | to_entries'] };
    expect(() => diff('', '', { ignoreDifferences: [rule] })).toThrow(UnsupportedJqExpressionError);
  });
});

describe('diffResources: Secrets', () => {
  const PLAIN = 'TOP-SECRET-MARKER-9f3c';
  const secret = (body: string) => `
apiVersion: v1
kind: Secret
metadata: { name: db }
type: Opaque
${body}
`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  test('a changed value shows distinct markers, an unchanged one none', () => {
    const [change] = diff(
      secret(`data: { password: ${b64(`${PLAIN}-old`)}, user: ${b64('admin')} }`),
      secret(`data: { password: ${b64(`${PLAIN}-new`)}, user: ${b64('admin')} }`),
    );
    expect(change!.diff).toContain('-  password: ++++++++\n+  password: ++++++++++++\n');
    expect(change!.diff).toContain('   user: ++++++++\n');
  });

  test('an unchanged Secret is omitted; moving a value from data to stringData is not a change', () => {
    expect(
      diff(secret(`data: { password: ${b64(PLAIN)} }`), secret(`stringData: { password: ${PLAIN} }`)),
    ).toEqual([]);
  });

  test('the plaintext and its base64 never appear in any diff', () => {
    const cases = [
      diff('', secret(`stringData: { password: ${PLAIN} }`)),
      diff(secret(`data: { password: ${b64(PLAIN)} }`), ''),
      diff(secret(`stringData: { password: ${PLAIN} }`), secret(`stringData: { password: ${PLAIN}2 }`)),
      diff(secret(`data: ${PLAIN}`), secret('data: {}')),
    ];
    for (const changes of cases) {
      expect(changes).toHaveLength(1);
      const text = JSON.stringify(changes);
      expect(text).not.toContain(PLAIN);
      expect(text).not.toContain(b64(PLAIN).slice(0, 12));
    }
  });
});
