import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ApplicationSetError,
  TemplateError,
  UnsupportedGeneratorError,
} from '../../../src/gitops/applicationset/application-set-error.ts';
import {
  expandApplicationSet,
  type GeneratorContext,
} from '../../../src/gitops/applicationset/expand-application-set.ts';
import type { ClusterEntry } from '../../../src/gitops/cluster.ts';

const REPO = 'https://github.com/argoproj/argo-cd.git';

/** Shaped after the clusters in Argo CD's generator docs. */
const CLUSTERS: ClusterEntry[] = [
  {
    name: 'staging-1',
    server: 'https://1.2.3.4',
    labels: {
      type: 'staging',
      environment: 'staging',
      staging: 'true',
      'kubernetes.io/environment': 'dev',
      'use-kafka': 'false',
    },
    annotations: { owner: 'team-a' },
  },
  {
    name: 'Prod_East',
    server: 'https://2.4.6.8',
    labels: { type: 'production', environment: 'production', 'kubernetes.io/environment': 'prod' },
    annotations: {},
  },
  { name: 'dev-1', server: 'https://3.6.9.12', labels: { type: 'dev', environment: 'dev' }, annotations: {} },
];

/** A checkout laid out like Argo CD's applicationset examples. */
const FILES: Record<string, string> = {
  'cluster-addons/argo-workflows/kustomization.yaml': 'resources: []\n',
  'cluster-addons/prometheus-operator/Chart.yaml': 'name: prometheus-operator\n',
  'cluster-addons/exclude-helm-guestbook/Chart.yaml': 'name: guestbook\n',
  'cluster-addons/My_Addon/kustomization.yaml': 'resources: []\n',
  'cluster-addons/.hidden/kustomization.yaml': 'resources: []\n',
  'd/e/x.yaml': 'x: 1\n',
  'd/f/x.yaml': 'x: 1\n',
  'd/g/x.yaml': 'x: 1\n',
  'cluster-config/engineering/dev/config.json': JSON.stringify({
    aws_account: '123456',
    asset_id: '11223344',
    cluster: { owner: 'cluster-admin@company.com', name: 'engineering-dev', address: 'https://1.2.3.4' },
  }),
  'cluster-config/engineering/prod/config.json': JSON.stringify({
    aws_account: '123456',
    asset_id: '11223344',
    cluster: { owner: 'cluster-admin@company.com', name: 'engineering-prod', address: 'https://2.4.6.8' },
  }),
  'teams/red/team.yaml': 'team: red\nreplicas: 3\ntags: [web, api]\nowner: null\n',
  'teams/blue/team.yaml': 'team: blue\nreplicas: 1\ntags: [web]\nowner: blue-lead\n',
  'teams/ignored/team.yaml': 'team: ignored\nreplicas: 0\ntags: []\nowner: nobody\n',
  'lists/envs.yaml': '- env: dev\n  region: eu\n- env: prod\n  region: us\n',
  'lists/components.yaml': `key:
  components:
    - name: component1
      chart: podinfo
      version: "6.3.2"
      releaseName: component1
      repoUrl: "https://stefanprodan.github.io/podinfo"
      namespace: component1
    - name: component2
      chart: podinfo
      version: "6.3.3"
      releaseName: component2
      repoUrl: "https://stefanprodan.github.io/podinfo"
      namespace: component2
`,
  'evil/proto.json': '{"__proto__": {"polluted": "yes"}, "name": "evil"}',
};

let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mergeplane-appset-'));
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, 'd', 'empty-dir'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function context(overrides: Partial<GeneratorContext> = {}): GeneratorContext {
  return { root, clusters: CLUSTERS, isThisRepo: (url) => url === REPO, ...overrides };
}

/** An ApplicationSet around `generators` (YAML) with a template whose strings use `nameTemplate` etc. */
function appset(spec: string): Record<string, unknown> {
  return parse(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
${spec.replace(/^/gm, '  ')}`);
}

function expand(spec: string, ctx: GeneratorContext = context()): Record<string, unknown>[] {
  return expandApplicationSet(appset(spec), ctx);
}

function get(app: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], app);
}

/** `field` of every generated app, keyed by name. */
function pick(apps: Record<string, unknown>[], field: string): Record<string, unknown> {
  return Object.fromEntries(apps.map((app) => [get(app, 'metadata.name'), get(app, field)]));
}

function names(apps: Record<string, unknown>[]): string[] {
  return apps.map((app) => String(get(app, 'metadata.name')));
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an error');
}

const TEMPLATE = (name: string, extra = ''): string => `template:
  metadata:
    name: '${name}'
  spec:
    project: default
    source:
      repoURL: ${REPO}
      targetRevision: HEAD
      path: guestbook
    destination:
      server: https://kubernetes.default.svc
      namespace: guestbook
${extra}`;

describe('expandApplicationSet: list generator', () => {
  it('renders the documented example into complete Application objects', () => {
    const apps = expand(`generators:
  - list:
      elements:
        - cluster: engineering-dev
          url: https://1.2.3.4
        - cluster: engineering-prod
          url: https://2.4.6.8
template:
  metadata:
    name: '{{cluster}}-guestbook'
  spec:
    project: my-project
    source:
      repoURL: ${REPO}
      targetRevision: HEAD
      path: applicationset/examples/list-generator/guestbook/{{cluster}}
    destination:
      server: '{{url}}'
      namespace: guestbook
`);
    expect(apps[0]).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'engineering-dev-guestbook', namespace: 'argocd' },
      spec: {
        project: 'my-project',
        source: {
          repoURL: REPO,
          targetRevision: 'HEAD',
          path: 'applicationset/examples/list-generator/guestbook/engineering-dev',
        },
        destination: { server: 'https://1.2.3.4', namespace: 'guestbook' },
      },
    });
    expect(pick(apps, 'spec.destination.server')).toEqual({
      'engineering-dev-guestbook': 'https://1.2.3.4',
      'engineering-prod-guestbook': 'https://2.4.6.8',
    });
  });

  it.each([
    [
      'values map as values.KEY',
      `generators:\n  - list:\n      elements:\n        - cluster: a\n          values:\n            project: team-a\n${TEMPLATE('{{cluster}}-{{values.project}}')}`,
      ['a-team-a'],
    ],
    [
      'Go template keeps element types',
      `goTemplate: true\ngenerators:\n  - list:\n      elements:\n        - cluster: a\n          replicas: 3\n          tags: [x, y]\n${TEMPLATE('{{.cluster}}-{{.replicas}}-{{index .tags 1}}')}`,
      ['a-3-y'],
    ],
    [
      'elementsYaml',
      `goTemplate: true\ngenerators:\n  - list:\n      elementsYaml: |\n        - cluster: from-yaml\n${TEMPLATE('{{.cluster}}')}`,
      ['from-yaml'],
    ],
    [
      'post selector on the generator',
      `generators:\n  - list:\n      elements:\n        - cluster: engineering-dev\n          env: staging\n        - cluster: engineering-prod\n          env: prod\n    selector:\n      matchLabels:\n        env: staging\n${TEMPLATE('{{cluster}}')}`,
      ['engineering-dev'],
    ],
    [
      'generator-level template overriding the name',
      `generators:\n  - list:\n      elements:\n        - cluster: a\n      template:\n        metadata:\n          name: 'override-{{cluster}}'\n        spec: {}\n${TEMPLATE('{{cluster}}')}`,
      ['override-a'],
    ],
  ])('%s', (_label, spec, expected) => {
    expect(names(expand(spec))).toEqual(expected);
  });

  it('fills what a generator-level template leaves out from the ApplicationSet template', () => {
    const [app] = expand(`generators:
  - list:
      elements:
        - cluster: a
      template:
        metadata:
          name: 'override-{{cluster}}'
        spec:
          destination:
            namespace: override
${TEMPLATE('{{cluster}}')}`);
    expect(get(app!, 'spec.destination')).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'override',
    });
    expect(get(app!, 'spec.project')).toBe('default');
  });

  it('rejects a non-string element value with fasttemplate, as Argo CD does', () => {
    const error = failure(() =>
      expand(
        `generators:\n  - list:\n      elements:\n        - cluster: a\n          replicas: 3\n${TEMPLATE('{{cluster}}')}`,
      ),
    );
    expect(error).toBeInstanceOf(ApplicationSetError);
    expect(error.message).toMatch(
      /ApplicationSet guestbook: list generator: element 0: replicas is not a string/,
    );
  });

  it('forces the ApplicationSet namespace and keeps labels, annotations and finalizers', () => {
    const [app] = expand(`generators:
  - list:
      elements:
        - cluster: a
template:
  metadata:
    name: '{{cluster}}'
    namespace: elsewhere
    labels:
      team: '{{cluster}}'
    annotations:
      'example.com/{{cluster}}': yes
    finalizers: [resources-finalizer.argocd.argoproj.io]
    ownerReferences: [dropped]
  spec:
    project: default
`);
    expect(app!.metadata).toEqual({
      name: 'a',
      namespace: 'argocd',
      labels: { team: 'a' },
      annotations: { 'example.com/a': 'yes' },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    });
  });

  it('rejects two generated applications with the same name', () => {
    expect(() =>
      expand(
        `generators:\n  - list:\n      elements:\n        - cluster: a\n        - cluster: b\n${TEMPLATE('same')}`,
      ),
    ).toThrow(/contains applications with duplicate name: same/);
  });

  it('refuses __proto__ keys instead of polluting prototypes', () => {
    const spec = appset(`generators:\n  - list:\n      elements: []\n${TEMPLATE('{{cluster}}')}`);
    const generators = (spec.spec as Record<string, unknown>).generators as Record<string, unknown>[];
    generators[0] = { list: { elements: [JSON.parse('{"cluster":"a","__proto__":{"polluted":"yes"}}')] } };
    expect(() => expandApplicationSet(spec, context())).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('expandApplicationSet: rendered keys', () => {
  it('refuses a template key that renders to __proto__', () => {
    const spec = `generators:\n  - list:\n      elements: [{cluster: __proto__}]\n${TEMPLATE('x')}`.replace(
      'project: default',
      "project: default\n    extra:\n      '{{cluster}}': {polluted: 'yes'}",
    );
    expect(() => expand(spec)).toThrow(TemplateError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('expandApplicationSet: clusters generator', () => {
  const clusters = (body: string, name = '{{name}}', extra = ''): string =>
    `generators:\n  - clusters:${body ? `\n${body.replace(/^/gm, '      ')}` : ' {}'}\n${TEMPLATE(name, extra)}`;

  it.each([
    [
      'no selector: the local in-cluster first, then every registered cluster',
      '',
      ['in-cluster', 'staging-1', 'Prod_East', 'dev-1'],
    ],
    [
      'matchLabels (no in-cluster once a selector is set)',
      'selector:\n  matchLabels:\n    type: staging',
      ['staging-1'],
    ],
    [
      'the secret-type label every cluster Secret carries',
      'selector:\n  matchLabels:\n    argocd.argoproj.io/secret-type: cluster',
      ['staging-1', 'Prod_East', 'dev-1'],
    ],
    [
      'matchExpressions In',
      'selector:\n  matchExpressions:\n    - key: environment\n      operator: In\n      values: [staging, dev]',
      ['staging-1', 'dev-1'],
    ],
    [
      'matchExpressions NotIn',
      'selector:\n  matchExpressions:\n    - key: environment\n      operator: NotIn\n      values: [production]',
      ['staging-1', 'dev-1'],
    ],
    [
      'matchExpressions Exists',
      'selector:\n  matchExpressions:\n    - key: staging\n      operator: Exists',
      ['staging-1'],
    ],
    [
      'matchExpressions DoesNotExist',
      'selector:\n  matchExpressions:\n    - key: staging\n      operator: DoesNotExist',
      ['Prod_East', 'dev-1'],
    ],
    [
      'matchLabels and matchExpressions together',
      'selector:\n  matchLabels:\n    staging: "true"\n  matchExpressions:\n    - key: environment\n      operator: In\n      values: [staging, dev]',
      ['staging-1'],
    ],
  ])('%s', (_label, body, expected) => {
    expect(names(expand(clusters(body)))).toEqual(expected);
  });

  it('skips the implicit in-cluster when a Secret registers the local server', () => {
    const local: ClusterEntry = {
      name: 'local',
      server: 'https://kubernetes.default.svc',
      labels: {},
      annotations: {},
    };
    expect(names(expand(clusters(''), context({ clusters: [local] })))).toEqual(['local']);
  });

  it('exposes name, nameNormalized, server, project and metadata in fasttemplate form', () => {
    const apps = expand(
      clusters(
        'selector:\n  matchLabels:\n    type: staging',
        '{{nameNormalized}}',
        `    info:
      - '{{name}}|{{server}}|{{project}}|{{metadata.labels.environment}}|{{metadata.annotations.owner}}'
`,
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({ 'staging-1': ['staging-1|https://1.2.3.4||staging|team-a'] });
    expect(
      names(expand(clusters('selector:\n  matchLabels:\n    type: production', '{{nameNormalized}}'))),
    ).toEqual(['prod-east']);
  });

  it('templates values with the cluster parameters (not with other values)', () => {
    const apps = expand(
      clusters(
        "selector:\n  matchLabels:\n    type: staging\nvalues:\n  revision: HEAD\n  label: '{{metadata.labels.type}}-{{name}}'\n  other: '{{values.revision}}'",
        '{{name}}',
        "    info: ['{{values.revision}}', '{{values.label}}', '{{values.other}}']\n",
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      'staging-1': ['HEAD', 'staging-staging-1', '{{values.revision}}'],
    });
  });

  it('gives Go templates metadata and values as objects', () => {
    const apps = expand(`goTemplate: true
generators:
  - clusters:
      values:
        revision: '{{ if eq .name "in-cluster" }}main{{ else }}stable{{ end }}'
${TEMPLATE('{{.nameNormalized}}', "    info: ['{{.values.revision}}', '{{ .metadata.labels.environment }}']\n")}`);
    expect(pick(apps, 'spec.info')).toEqual({
      'in-cluster': ['main', '<no value>'],
      'staging-1': ['stable', 'staging'],
      'prod-east': ['stable', 'production'],
      'dev-1': ['stable', 'dev'],
    });
  });

  it('fails with missingkey=error where a cluster lacks the key (the local cluster has no metadata)', () => {
    const error = failure(() =>
      expand(`goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
  - clusters: {}
${TEMPLATE('{{.name}}-{{.metadata.labels.environment}}')}`),
    );
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.message).toMatch(/ApplicationSet guestbook: .*map has no entry for key "metadata"/);
  });
});

describe('expandApplicationSet: git directories', () => {
  const git = (directories: string, name = '{{path.basename}}', extra = '', go = false): string =>
    `${go ? 'goTemplate: true\n' : ''}generators:\n  - git:\n      repoURL: ${REPO}\n      revision: HEAD\n      directories:\n${directories.replace(/^/gm, '        ')}\n${TEMPLATE(name, extra)}`;

  it.each([
    [
      'a wildcard, hidden directories left out',
      '- path: cluster-addons/*',
      ['My_Addon', 'argo-workflows', 'exclude-helm-guestbook', 'prometheus-operator'],
    ],
    [
      'an exclude entry',
      '- path: cluster-addons/*\n- path: cluster-addons/exclude-helm-guestbook\n  exclude: true',
      ['My_Addon', 'argo-workflows', 'prometheus-operator'],
    ],
    ['exclude wins over an earlier include', '- path: d/e\n- path: d/*\n  exclude: true', []],
    ['exclude with a path.Match class', '- path: d/*\n- path: d/[f|g]\n  exclude: true', ['e', 'empty-dir']],
    [
      'the repository root',
      "- path: '*'\n- path: evil\n  exclude: true",
      ['cluster-addons', 'cluster-config', 'd', 'lists', 'teams'],
    ],
    ['* does not cross directories', '- path: cluster-config/*', ['engineering']],
  ])('%s', (_label, directories, expected) => {
    expect(names(expand(git(directories)))).toEqual(expected);
  });

  it('exposes path, path.basename, path.basenameNormalized and path[n]', () => {
    const apps = expand(
      git(
        '- path: cluster-addons/My_*',
        '{{path.basenameNormalized}}',
        "    info: ['{{path}}', '{{path[0]}}', '{{path[1]}}', '{{path.basename}}']\n",
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      'my-addon': ['cluster-addons/My_Addon', 'cluster-addons', 'My_Addon', 'My_Addon'],
    });
  });

  it('gives Go templates path as an object with segments', () => {
    const apps = expand(
      git(
        '- path: cluster-addons/My_*',
        '{{.path.basenameNormalized}}',
        "    info: ['{{.path.path}}', '{{index .path.segments 0}}', '{{.path.basename}}']\n",
        true,
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      'my-addon': ['cluster-addons/My_Addon', 'cluster-addons', 'My_Addon'],
    });
  });

  it('templates values and honours pathParamPrefix', () => {
    const apps = expand(`generators:
  - git:
      repoURL: ${REPO}
      revision: HEAD
      pathParamPrefix: addon
      values:
        ns: 'addons-{{addon.path.basename}}'
      directories:
        - path: cluster-addons/argo-*
${TEMPLATE('{{addon.path.basename}}', "    info: ['{{values.ns}}', '{{addon.path[1]}}', '{{path}}']\n")}`);
    expect(pick(apps, 'spec.info')).toEqual({
      'argo-workflows': ['addons-argo-workflows', 'argo-workflows', '{{path}}'],
    });
  });

  it('refuses a git generator on another repository, naming the URL', () => {
    const error = failure(() =>
      expand(git('- path: "*"').replace(`repoURL: ${REPO}`, 'repoURL: https://github.com/other/repo.git')),
    );
    expect(error).toBeInstanceOf(UnsupportedGeneratorError);
    expect(error.message).toContain('https://github.com/other/repo.git');
    expect(error.message).toContain('ApplicationSet guestbook');
  });
});

describe('expandApplicationSet: git files', () => {
  const files = (paths: string, name: string, extra = '', header = ''): string =>
    `${header}generators:\n  - git:\n      repoURL: ${REPO}\n      revision: HEAD\n      files:\n${paths.replace(/^/gm, '        ')}\n${TEMPLATE(name, extra)}`;

  it('flattens the documented config.json with dots and adds path parameters', () => {
    const apps = expand(
      files(
        '- path: cluster-config/**/config.json',
        '{{cluster.name}}-guestbook',
        "    info: ['{{cluster.address}}', '{{aws_account}}', '{{path}}', '{{path[1]}}', '{{path.basename}}', '{{path.filename}}', '{{path.filenameNormalized}}']\n",
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      'engineering-dev-guestbook': [
        'https://1.2.3.4',
        '123456',
        'cluster-config/engineering/dev',
        'engineering',
        'dev',
        'config.json',
        'config.json',
      ],
      'engineering-prod-guestbook': [
        'https://2.4.6.8',
        '123456',
        'cluster-config/engineering/prod',
        'engineering',
        'prod',
        'config.json',
        'config.json',
      ],
    });
  });

  it('globs greedily like Argo CD by default: * crosses directories', () => {
    expect(names(expand(files('- path: cluster-config/*/config.json', '{{cluster.name}}')))).toEqual([
      'engineering-dev',
      'engineering-prod',
    ]);
  });

  it('formats flattened values as Go does (lists by index, null as <nil>)', () => {
    const apps = expand(
      files(
        '- path: teams/*/team.yaml\n- path: teams/ignored/*\n  exclude: true',
        '{{team}}',
        "    info: ['{{replicas}}', '{{tags.0}}', '{{tags.1}}', '{{owner}}']\n",
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      blue: ['1', 'web', '{{tags.1}}', 'blue-lead'],
      red: ['3', 'web', 'api', '<nil>'],
    });
  });

  it('keeps nested objects in Go template mode and exposes path.filename', () => {
    const apps = expand(
      files(
        '- path: cluster-config/**/config.json',
        '{{.cluster.name}}',
        "    info: ['{{.cluster.owner}}', '{{.path.path}}', '{{.path.filename}}', '{{index .path.segments 2}}']\n",
        'goTemplate: true\n',
      ),
    );
    expect(pick(apps, 'spec.info')).toEqual({
      'engineering-dev': [
        'cluster-admin@company.com',
        'cluster-config/engineering/dev',
        'config.json',
        'dev',
      ],
      'engineering-prod': [
        'cluster-admin@company.com',
        'cluster-config/engineering/prod',
        'config.json',
        'prod',
      ],
    });
  });

  it('yields one parameter set per element of a YAML list file', () => {
    expect(names(expand(files('- path: lists/envs.yaml', '{{env}}-{{region}}')))).toEqual([
      'dev-eu',
      'prod-us',
    ]);
  });

  it.each([
    [
      'fasttemplate',
      '',
      '{{team}}-{{cfg.path.basename}}',
      "['{{cfg.path}}', '{{cfg.path.filename}}', '{{path}}']",
      ['teams/red', 'team.yaml', '{{path}}'],
    ],
    [
      'Go template',
      'goTemplate: true\n',
      '{{.team}}-{{.cfg.path.basename}}',
      "['{{.cfg.path.path}}', '{{.cfg.path.filename}}', '{{.path}}']",
      ['teams/red', 'team.yaml', '<no value>'],
    ],
  ])('prefixes path parameters with pathParamPrefix (%s)', (_label, header, name, info, expected) => {
    const spec = files('- path: teams/red/team.yaml', name, `    info: ${info}\n`, header).replace(
      'revision: HEAD',
      'revision: HEAD\n      pathParamPrefix: cfg',
    );
    expect(pick(expand(spec), 'spec.info')).toEqual({ 'red-red': expected });
  });

  it('refuses a file with a __proto__ key', () => {
    const error = failure(() => expand(files('- path: evil/proto.json', '{{name}}')));
    expect(error).toBeInstanceOf(ApplicationSetError);
    expect(error.message).toMatch(/evil\/proto.json: a "__proto__" key is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('expandApplicationSet: matrix generator', () => {
  it('crosses git directories with clusters (documented example)', () => {
    const apps = expand(`generators:
  - matrix:
      generators:
        - git:
            repoURL: ${REPO}
            revision: HEAD
            directories:
              - path: cluster-addons/*-*
        - clusters:
            selector:
              matchLabels:
                argocd.argoproj.io/secret-type: cluster
                type: staging
${TEMPLATE('{{path.basename}}-{{name}}')}`);
    expect(names(apps)).toEqual([
      'argo-workflows-staging-1',
      'exclude-helm-guestbook-staging-1',
      'prometheus-operator-staging-1',
    ]);
  });

  it('renders the second child with the first child parameters', () => {
    const apps = expand(`generators:
  - matrix:
      generators:
        - git:
            repoURL: ${REPO}
            revision: HEAD
            files:
              - path: cluster-config/**/config.json
        - clusters:
            selector:
              matchLabels:
                kubernetes.io/environment: '{{path.basename}}'
${TEMPLATE('{{cluster.name}}-{{name}}', "    info: ['{{server}}']\n")}`);
    expect(pick(apps, 'spec.info')).toEqual({
      'engineering-dev-staging-1': ['https://1.2.3.4'],
      'engineering-prod-Prod_East': ['https://2.4.6.8'],
    });
  });

  it('feeds a list generator elementsYaml from a git file (documented Go template example)', () => {
    const apps = expand(`goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
  - matrix:
      generators:
        - git:
            repoURL: ${REPO}
            revision: HEAD
            files:
              - path: lists/components.yaml
        - list:
            elementsYaml: "{{ .key.components | toJson }}"
template:
  metadata:
    name: '{{.name}}'
  spec:
    project: default
    source:
      chart: '{{.chart}}'
      repoURL: '{{.repoUrl}}'
      targetRevision: '{{.version}}'
      helm:
        releaseName: '{{.releaseName}}'
    destination:
      server: https://kubernetes.default.svc
      namespace: '{{.namespace}}'
`);
    expect(pick(apps, 'spec.source')).toEqual({
      component1: {
        chart: 'podinfo',
        repoURL: 'https://stefanprodan.github.io/podinfo',
        targetRevision: '6.3.2',
        helm: { releaseName: 'component1' },
      },
      component2: {
        chart: 'podinfo',
        repoURL: 'https://stefanprodan.github.io/podinfo',
        targetRevision: '6.3.3',
        helm: { releaseName: 'component2' },
      },
    });
  });

  it('fails on conflicting fasttemplate keys and works once pathParamPrefix separates them', () => {
    const twoGits = (prefix: string): string => `generators:
  - matrix:
      generators:
        - git:
            repoURL: ${REPO}
            revision: HEAD
            directories: [{path: cluster-addons/argo-*}]
        - git:
            repoURL: ${REPO}
            revision: HEAD${prefix}
            directories: [{path: d/e}]
${TEMPLATE('{{path.basename}}-{{target.path.basename}}')}`;
    expect(() => expand(twoGits(''))).toThrow(/found duplicate key path with different value/);
    expect(names(expand(twoGits('\n            pathParamPrefix: target')))).toEqual(['argo-workflows-e']);
  });

  it('allows one level of matrix nesting and refuses a second', () => {
    const list = (key: string, values: string[]): string =>
      `- list:\n    elements:\n${values.map((v) => `      - ${key}: ${v}`).join('\n')}`;
    const indent = (text: string, n: number): string => text.replace(/^/gm, ' '.repeat(n));
    const nested = `generators:
  - matrix:
      generators:
${indent(list('a', ['one', 'two']), 8)}
        - matrix:
            generators:
${indent(list('b', ['x']), 14)}
${indent(list('c', ['y']), 14)}
${TEMPLATE('{{a}}-{{b}}-{{c}}')}`;
    expect(names(expand(nested))).toEqual(['one-x-y', 'two-x-y']);
    const tooDeep = nested.replace(
      indent(list('c', ['y']), 14),
      `${' '.repeat(14)}- matrix:\n${' '.repeat(18)}generators:\n${indent(list('c', ['y']), 20)}\n${indent(list('d', ['z']), 20)}`,
    );
    expect(() => expand(tooDeep)).toThrow(UnsupportedGeneratorError);
  });

  it('needs exactly two children', () => {
    expect(() =>
      expand(
        `generators:\n  - matrix:\n      generators:\n        - list: {elements: [{a: '1'}]}\n${TEMPLATE('{{a}}')}`,
      ),
    ).toThrow(/matrix generator needs exactly two child generators, found 1/);
  });
});

describe('expandApplicationSet: merge generator', () => {
  const mergeSpec = (go: boolean): string => `${go ? 'goTemplate: true\n' : ''}generators:
  - merge:
      mergeKeys: [server]
      generators:
        - clusters:
            values:
              kafka: 'true'
              redis: 'false'
        - clusters:
            selector:
              matchLabels:
                use-kafka: 'false'
            values:
              kafka: 'false'
        - list:
            elements:
              - server: https://2.4.6.8
                ${go ? 'values: {redis: "true"}' : "values.redis: 'true'"}
${TEMPLATE(go ? '{{.name}}' : '{{name}}', go ? "    info: ['{{.values.kafka}}', '{{.values.redis}}']\n" : "    info: ['{{values.kafka}}', '{{values.redis}}']\n")}`;

  it.each([
    ['fasttemplate', false],
    ['Go template (nested values merge)', true],
  ])('overrides base parameter sets by merge key, as in the documented example (%s)', (_label, go) => {
    expect(pick(expand(mergeSpec(go)), 'spec.info')).toEqual({
      'in-cluster': ['true', 'false'],
      'staging-1': ['false', 'false'],
      Prod_East: ['true', 'true'],
      'dev-1': ['true', 'false'],
    });
  });

  it.each([
    ['no merge keys', 'mergeKeys: []', /at least one merge key must be specified/],
    ['merge keys that are not unique', 'mergeKeys: [kind]', /not unique by the given mergeKeys/],
  ])('rejects %s', (_label, keys, message) => {
    const spec = `generators:
  - merge:
      ${keys}
      generators:
        - list: {elements: [{name: a, kind: x}, {name: b, kind: x}]}
        - list: {elements: [{name: a, kind: y}]}
${TEMPLATE('{{name}}')}`;
    expect(() => expand(spec)).toThrow(message);
  });
});

describe('expandApplicationSet: templates', () => {
  it('renders Go template functions in every string and map key', () => {
    const [app] = expand(`goTemplate: true
generators:
  - list:
      elements:
        - cluster: Engineering_Dev
          url: https://1.2.3.4
          env: prod
template:
  metadata:
    name: '{{ .cluster | normalize }}'
    labels:
      '{{ .env }}': '{{ upper .env }}'
  spec:
    project: '{{ default "default" .project }}'
    source:
      repoURL: ${REPO}
      path: '{{ printf "apps/%s/%s" (lower .cluster) .env }}'
      helm:
        values: |
          {{- if eq .env "prod" }}
          replicas: 3
          {{- else }}
          replicas: 1
          {{- end }}
    destination:
      server: '{{ .url | trimPrefix "https://" | replace "." "-" | quote }}'
`);
    expect(app).toMatchObject({
      metadata: { name: 'engineering-dev', labels: { prod: 'PROD' } },
      spec: {
        project: 'default',
        source: { path: 'apps/engineering_dev/prod', helm: { values: '\nreplicas: 3\n' } },
        destination: { server: '"1-2-3-4"' },
      },
    });
  });

  it('leaves unknown fasttemplate parameters as written and renders <no value> for missing Go keys', () => {
    const list = 'generators:\n  - list:\n      elements: [{cluster: a}]\n';
    expect(names(expand(`${list}${TEMPLATE('{{cluster}}-{{nope}}')}`))).toEqual(['a-{{nope}}']);
    expect(names(expand(`goTemplate: true\n${list}${TEMPLATE('{{.cluster}}-{{.nope}}')}`))).toEqual([
      'a-<no value>',
    ]);
  });

  it.each([
    [
      'an unknown function',
      '{{ .cluster | sha256sum }}',
      /ApplicationSet guestbook: template .*function "sha256sum" is not supported/,
    ],
    ['missingkey=error', '{{ .nope }}', /map has no entry for key "nope"/],
  ])('throws TemplateError on %s', (_label, name, message) => {
    const spec = `goTemplate: true\ngoTemplateOptions: ["missingkey=error"]\ngenerators:\n  - list:\n      elements: [{cluster: a}]\n${TEMPLATE(name)}`;
    const error = failure(() => expand(spec));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.message).toMatch(message);
  });

  it('rejects an unknown goTemplateOptions entry', () => {
    expect(() =>
      expand(`goTemplate: true\ngoTemplateOptions: ["missingkey=panic"]\ngenerators: []\n${TEMPLATE('x')}`),
    ).toThrow(TemplateError);
  });

  it('applies templatePatch as a merge patch after rendering', () => {
    const apps = expand(`goTemplate: true
generators:
  - list:
      elements:
        - cluster: engineering-dev
          autoSync: true
          prune: true
        - cluster: engineering-prod
          autoSync: false
          prune: false
${TEMPLATE('{{.cluster}}')}
templatePatch: |
  spec:
    source:
      helm:
        valueFiles: [values.{{ .cluster }}.yaml]
  {{- if .autoSync }}
    syncPolicy:
      automated:
        prune: {{ .prune }}
  {{- end }}
`);
    expect(pick(apps, 'spec.syncPolicy')).toEqual({
      'engineering-dev': { automated: { prune: true } },
      'engineering-prod': undefined,
    });
    expect(get(apps[0]!, 'spec.source')).toEqual({
      repoURL: REPO,
      targetRevision: 'HEAD',
      path: 'guestbook',
      helm: { valueFiles: ['values.engineering-dev.yaml'] },
    });
  });

  it('renders the documented templatePatch that loops with range', () => {
    // Argo CD docs, "Templates": templatePatch with a range over a list parameter.
    const apps = expand(`goTemplate: true
generators:
  - list:
      elements: [{cluster: a, valueFiles: [x.yaml, y.yaml]}]
${TEMPLATE('{{.cluster}}')}
templatePatch: |
  spec:
    source:
      helm:
        valueFiles:
        {{- range $valueFile := .valueFiles }}
          - {{ $valueFile }}
        {{- end }}
`);
    expect(get(apps[0]!, 'spec.source.helm')).toEqual({ valueFiles: ['x.yaml', 'y.yaml'] });
  });
});

describe('expandApplicationSet: unsupported generators', () => {
  it.each(['scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'])('names %s', (generator) => {
    const error = failure(() => expand(`generators:\n  - ${generator}: {}\n${TEMPLATE('x')}`));
    expect(error).toBeInstanceOf(UnsupportedGeneratorError);
    expect(error.message).toBe(
      `ApplicationSet guestbook: the ${generator} generator is not supported offline`,
    );
  });

  it('names an unsupported generator inside a matrix', () => {
    expect(() =>
      expand(
        `generators:\n  - matrix:\n      generators:\n        - list: {elements: [{a: '1'}]}\n        - pullRequest: {github: {owner: o, repo: r}}\n${TEMPLATE('{{a}}')}`,
      ),
    ).toThrow(/the pullRequest generator is not supported offline/);
  });
});
