// Plans a one-file change in a generated Argo CD monorepo and compares the plan's wall time with the
// time the raw tools need to render the affected applications alone.
// Usage: node bench/plan-monorepo.ts [--apps N] [--affected N] [--raw-sample N] [--json] [--keep] [--skip-plan]
//        [--pushes N] [--v8-defaults]
// No assertions on times: machines are noisy. The numbers are for humans and for trend lines.
import { type ExecFileSyncOptions, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PlanReport } from '../src/model/plan-report.ts';
import { LONG_RUNNING_NODE_FLAGS } from '../src/server/node-flags.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(projectRoot, '.tools', 'bin');
const ORIGIN = 'https://github.com/bench/monorepo.git';

type PlanChange = (o: {
  repoDir: string;
  base: string;
  head: string;
  configFile?: string;
  cacheDir?: string;
  caches?: unknown;
}) => Promise<PlanReport>;

type AppType = 'kustomize' | 'helm' | 'directory';

export interface BenchApp {
  name: string;
  type: AppType;
  namespace: string;
  /** Source path of the Application. */
  path: string;
  /** Helm value files, repository-relative. */
  valueFiles: string[];
}

export interface GeneratedMonorepo {
  dir: string;
  apps: BenchApp[];
  base: string;
  head: string;
  /** The files the change edits (one per affected app). */
  changedFiles: string[];
  /** The apps the change should affect. */
  changedApps: string[];
}

/** The file only this app reads: an overlay's kustomization, a Helm app's values, a directory app's ConfigMap. */
export function ownFile(app: BenchApp): string {
  if (app.type === 'kustomize') return `${app.path}/kustomization.yaml`;
  if (app.type === 'helm') return app.valueFiles[1]!.replace(/^(\.\.\/)+/, '');
  return `${app.path}/configmap.yaml`;
}

/** Edits each app's own file so that its render changes (an image tag, a value), differently in each `round`. */
export function touchApps(dir: string, apps: readonly BenchApp[], round: number): void {
  for (const app of apps) {
    const file = join(dir, ownFile(app));
    const text = readFileSync(file, 'utf8');
    const next =
      app.type === 'kustomize'
        ? text.replace(/newTag: \S+/, `newTag: 1.4.${round}`)
        : app.type === 'helm'
          ? text.replace(/LOG_LEVEL: \S+/, `LOG_LEVEL: debug-${round}`)
          : text.replace(/LOG_LEVEL: "[^"]*"/, `LOG_LEVEL: "debug-${round}"`);
    writeFileSync(file, next);
  }
}

/** `count` apps spread evenly over the repository (the first change a PR makes; later pushes edit the same ones). */
export function affectedApps(apps: readonly BenchApp[], count: number): BenchApp[] {
  if (count === 1) {
    // One overlay: the kustomize app nearest the middle of the repository.
    return [apps.slice(Math.floor(apps.length / 2)).find((a) => a.type === 'kustomize') ?? apps[0]!];
  }
  const step = apps.length / Math.min(count, apps.length);
  return Array.from({ length: Math.min(count, apps.length) }, (_, i) => apps[Math.floor(i * step)]!);
}

const KUSTOMIZE_BASES = ['web', 'worker', 'api', 'gateway'] as const;
const HELM_CHARTS = ['service', 'worker', 'cron'] as const;

function write(root: string, path: string, text: string): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

function appType(index: number): AppType {
  const slot = index % 10;
  if (slot < 4) return 'kustomize';
  if (slot < 7) return 'helm';
  return 'directory';
}

function deployment(name: string, image: string, replicas: number, configMap: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      containers:
        - name: app
          image: ${image}
          envFrom:
            - configMapRef:
                name: ${configMap}
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 128Mi
`;
}

function service(name: string): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: http
      port: 80
      targetPort: http
`;
}

function configMap(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
${lines.join('\n')}
`;
}

function writeKustomizeBase(root: string, base: string): void {
  const dir = `kustomize/bases/${base}`;
  write(
    root,
    `${dir}/deployment.yaml`,
    deployment(base, `registry.example.com/${base}:1.0.0`, 1, `${base}-config`),
  );
  write(root, `${dir}/service.yaml`, service(base));
  write(root, `${dir}/configmap.yaml`, configMap(`${base}-config`, { LOG_LEVEL: 'info', ROLE: base }));
  write(
    root,
    `${dir}/kustomization.yaml`,
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
`,
  );
}

function writeHelmChart(root: string, chart: string): void {
  const dir = `charts/${chart}`;
  write(
    root,
    `${dir}/Chart.yaml`,
    `apiVersion: v2
name: ${chart}
type: application
version: 1.0.0
appVersion: "1.0.0"
`,
  );
  write(
    root,
    `${dir}/values.yaml`,
    `replicaCount: 1
image:
  repository: registry.example.com/${chart}
  tag: "1.0.0"
env:
  LOG_LEVEL: info
resources:
  requests:
    cpu: 50m
    memory: 64Mi
`,
  );
  write(
    root,
    `${dir}/templates/_helpers.tpl`,
    `{{- define "${chart}.labels" -}}
app.kubernetes.io/name: {{ .Release.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "${chart}.selector" -}}
app.kubernetes.io/name: {{ .Release.Name }}
{{- end -}}
`,
  );
  write(
    root,
    `${dir}/templates/deployment.yaml`,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "${chart}.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "${chart}.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "${chart}.selector" . | nindent 8 }}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          envFrom:
            - configMapRef:
                name: {{ .Release.Name }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`,
  );
  write(
    root,
    `${dir}/templates/configmap.yaml`,
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "${chart}.labels" . | nindent 4 }}
data:
  {{- range $k, $v := .Values.env }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
`,
  );
  if (chart !== 'cron') {
    write(
      root,
      `${dir}/templates/service.yaml`,
      `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "${chart}.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "${chart}.selector" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`,
    );
  }
}

function overlayKustomization(app: string, base: string, tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${app}
namePrefix: ${app}-
labels:
  - pairs:
      team: team-${app.slice(-1)}
resources:
  - ../../bases/${base}
images:
  - name: registry.example.com/${base}
    newTag: ${tag}
patches:
  - path: patch.yaml
`;
}

function applicationYaml(app: BenchApp): string {
  const helm =
    app.type === 'helm'
      ? `    helm:
      releaseName: ${app.name}
      valueFiles:
${app.valueFiles.map((f) => `        - ${f}`).join('\n')}
`
      : '';
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${app.name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${ORIGIN}
    targetRevision: main
    path: ${app.path}
${helm}  destination:
    server: https://kubernetes.default.svc
    namespace: ${app.namespace}
  syncPolicy:
    syncOptions:
      - CreateNamespace=true
`;
}

function gitIn(dir: string): (...args: string[]) => string {
  return (...args) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'bench@example.invalid',
        GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'bench@example.invalid',
        GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    }).trim();
}

/**
 * Writes a monorepo of `count` Applications (~40% kustomize, ~30% helm, ~30% directory), commits it, then commits
 * a change of `affected` apps' own files on the branch `change`.
 */
export function generateMonorepo(dir: string, count: number, affected = 1): GeneratedMonorepo {
  const git = gitIn(dir);
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', ORIGIN);
  for (const base of KUSTOMIZE_BASES) writeKustomizeBase(dir, base);
  for (const chart of HELM_CHARTS) writeHelmChart(dir, chart);

  const apps: BenchApp[] = [];
  for (let i = 0; i < count; i++) {
    const name = `app-${String(i).padStart(4, '0')}`;
    const type = appType(i);
    const replicas = 1 + (i % 3);
    if (type === 'kustomize') {
      const base = KUSTOMIZE_BASES[i % KUSTOMIZE_BASES.length]!;
      const path = `kustomize/overlays/${name}`;
      write(dir, `${path}/kustomization.yaml`, overlayKustomization(name, base, '1.4.0'));
      write(
        dir,
        `${path}/patch.yaml`,
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${base}
spec:
  replicas: ${replicas}
`,
      );
      apps.push({ name, type, namespace: name, path, valueFiles: [] });
    } else if (type === 'helm') {
      const chart = HELM_CHARTS[i % HELM_CHARTS.length]!;
      const values = `values/${name}.yaml`;
      write(
        dir,
        values,
        `replicaCount: ${replicas}
image:
  tag: "1.${i % 7}.0"
env:
  LOG_LEVEL: info
  APP_NAME: ${name}
`,
      );
      apps.push({
        name,
        type,
        namespace: name,
        path: `charts/${chart}`,
        valueFiles: ['values.yaml', `../../${values}`],
      });
    } else {
      const path = `manifests/${name}`;
      write(
        dir,
        `${path}/deployment.yaml`,
        deployment(name, `registry.example.com/${name}:2.0.0`, replicas, name),
      );
      write(dir, `${path}/service.yaml`, service(name));
      write(dir, `${path}/configmap.yaml`, configMap(name, { LOG_LEVEL: 'info', APP_NAME: name }));
      apps.push({ name, type, namespace: name, path, valueFiles: [] });
    }
  }
  for (const app of apps) write(dir, `argocd/apps/${app.name}.yaml`, applicationYaml(app));
  git('add', '-A');
  git('commit', '-q', '-m', `${count} applications`);
  // A clone Mergeplane plans from is packed, as fetched from GitHub; a fresh commit is loose objects.
  git('repack', '-adq');
  const base = git('rev-parse', 'HEAD');

  const changed = affectedApps(apps, affected);
  git('checkout', '-q', '-b', 'change');
  touchApps(dir, changed, 1);
  git('commit', '-q', '-am', `${changed.length} applications changed`);
  const head = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  return {
    dir,
    apps,
    base,
    head,
    changedFiles: changed.map(ownFile),
    changedApps: changed.map((a) => a.name),
  };
}

function toolEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

/** Renders one app the way the raw tool would, returning the wall time in milliseconds. */
export function timeRawRender(app: BenchApp, tree: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const options: ExecFileSyncOptions = {
    cwd: tree,
    env,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  if (app.type === 'kustomize') {
    execFileSync(join(toolsDir, 'kubectl'), ['kustomize', app.path], options);
  } else if (app.type === 'helm') {
    const files = app.valueFiles.flatMap((f) => ['-f', join(app.path, f)]);
    execFileSync(
      join(toolsDir, 'helm'),
      ['template', app.name, app.path, '--namespace', app.namespace, ...files],
      options,
    );
  } else {
    // A directory app has no tool: reading its files is all Argo CD's repo server does before parsing.
    for (const file of readdirSync(join(tree, app.path))) readFileSync(join(tree, app.path, file));
  }
  return performance.now() - started;
}

function toolVersion(tool: 'helm' | 'kubectl'): string {
  try {
    const args = tool === 'helm' ? ['version', '--short'] : ['version', '--client', '-o', 'json'];
    const out = execFileSync(join(toolsDir, tool), args, { encoding: 'utf8' }).trim();
    if (tool === 'helm') return out.split('+')[0] ?? out;
    return (
      (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown'
    );
  } catch {
    return 'missing';
  }
}

interface BenchResult {
  apps: number;
  appsByType: Record<AppType, number>;
  changedFile: string;
  expectedAffected: string;
  affected: number;
  affectedApps: { name: string; status: string; sourceType: string }[];
  planColdMs: number | null;
  planWarmMs: number | null;
  /** A further push to the pull request (median of `--pushes`): the base renders are cached, the new head is not. */
  secondPushMs: number | null;
  /** The first plan of a pull request on a worker that planned its base branch before (no render cached). */
  firstOnWarmWorkerMs: number | null;
  ratioFirstOnWarmWorker: number | null;
  /** Raw tool time of every render the first plan needs (both sides of each affected app), from the sample. */
  rawRenderMs: number;
  rawRenders: number;
  /** Renders actually timed (the rest are scaled from them). */
  rawSampled: number;
  ratioCold: number | null;
  ratioWarm: number | null;
  /** The second push against the raw time of the renders it needs (the new heads only). */
  ratioSecondPush: number | null;
  /** The bench process's peak resident set (generation, plans and raw renders' parent). */
  peakRssMb: number;
  generateMs: number;
  node: string;
  /** The V8 flags the plans ran under. */
  v8Flags: string;
  helm: string;
  kubectl: string;
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`;
}

function ratio(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(1)}x`;
}

function printTable(r: BenchResult): void {
  const types = Object.entries(r.appsByType)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const lines = [
    `Mergeplane plan benchmark — node ${r.node} ${r.v8Flags || '(V8 defaults)'}, helm ${r.helm}, kubectl ${r.kubectl}`,
    `repository: ${r.apps} applications (${types}), generated in ${seconds(r.generateMs)}`,
    `change:     ${r.changedFile} (expected to affect ${r.expectedAffected})`,
    `affected:   ${
      r.affectedApps
        .slice(0, 5)
        .map((a) => `${a.name} [${a.status}, ${a.sourceType}]`)
        .join(', ') || 'none'
    }${r.affectedApps.length > 5 ? `, … (${r.affectedApps.length})` : ''}`,
    '',
  ];
  const header = [
    'apps',
    'affected',
    'plan cold',
    'plan warm',
    '2nd push',
    '1st (warm worker)',
    'raw render',
    'cold/raw',
    'warm/raw',
    '2nd push/raw',
    '1st warm worker/raw',
    'peak RSS',
  ];
  const row = [
    String(r.apps),
    String(r.affected),
    seconds(r.planColdMs),
    seconds(r.planWarmMs),
    seconds(r.secondPushMs),
    seconds(r.firstOnWarmWorkerMs),
    `${seconds(r.rawRenderMs)} (${r.rawRenders}${r.rawSampled < r.rawRenders ? `, ${r.rawSampled} timed` : ''})`,
    ratio(r.ratioCold),
    ratio(r.ratioWarm),
    ratio(r.ratioSecondPush),
    ratio(r.ratioFirstOnWarmWorker),
    `${r.peakRssMb} MB`,
  ];
  const widths = header.map((h, i) => Math.max(h.length, row[i]!.length));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  lines.push(fmt(header), fmt(row));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The engine with plan caches of its own, kept for every plan it makes, as a worker process keeps them. */
async function loadPlanChange(): Promise<PlanChange> {
  const module = (await import('../src/engine/plan-change.ts')) as { planChange: PlanChange };
  const { PlanCaches } = await import('../src/model/plan-caches.ts');
  const caches = new PlanCaches();
  return (o) => module.planChange({ ...o, caches });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      apps: { type: 'string', default: '600' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'skip-plan': { type: 'boolean', default: false },
      affected: { type: 'string', default: '1' },
      'raw-sample': { type: 'string', default: '20' },
      'v8-defaults': { type: 'boolean', default: false },
      pushes: { type: 'string', default: '3' },
    },
  });
  const count = Number(values.apps);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--apps must be a positive integer, got ${values.apps}`);
  const log = (message: string): void => {
    if (!values.json) process.stderr.write(`${message}\n`);
  };

  let planChange: PlanChange | undefined;
  if (!values['skip-plan']) {
    try {
      planChange = await loadPlanChange();
    } catch (error) {
      throw new Error(
        `cannot load src/engine/plan-change.ts (${(error as Error).message}); use --skip-plan to time the raw renders only`,
      );
    }
  }

  const work = mkdtempSync(join(tmpdir(), 'mergeplane-bench-'));
  try {
    const repoDir = join(work, 'repo');
    mkdirSync(repoDir);
    log(`generating ${count} applications in ${repoDir}`);
    const started = performance.now();
    const affectedCount = Number(values.affected);
    const rawSample = Number(values['raw-sample']);
    const pushes = Math.max(1, Number(values.pushes));
    const repo = generateMonorepo(repoDir, count, affectedCount);
    const generateMs = performance.now() - started;

    let planColdMs: number | null = null;
    let planWarmMs: number | null = null;
    let secondPushMs: number | null = null;
    let firstOnWarmWorkerMs: number | null = null;
    let affectedApps: BenchResult['affectedApps'];
    if (planChange) {
      const cacheDir = join(work, 'render-cache');
      mkdirSync(cacheDir);
      // Released before the worker's run below, so that peak RSS is one worker's, not two plan caches'.
      let first: PlanChange | undefined = planChange;
      planChange = undefined;
      const plan = (): Promise<PlanReport> => first!({ repoDir, base: 'main', head: 'change', cacheDir });
      log('planning (cold cache)');
      let t = performance.now();
      const cold = await plan();
      planColdMs = performance.now() - t;
      log('planning (warm cache)');
      t = performance.now();
      const warm = await plan();
      planWarmMs = performance.now() - t;
      affectedApps = cold.apps
        .filter((a) => a.status !== 'unchanged')
        .map((a) => ({ name: a.name, status: a.status, sourceType: a.sourceType }));
      const warmAffected = warm.apps.filter((a) => a.status !== 'unchanged').map((a) => a.name);
      if (warmAffected.join() !== affectedApps.map((a) => a.name).join()) {
        log(`warning: the warm plan disagrees with the cold one: ${warmAffected.join(', ')}`);
      }
      const reported = new Set(affectedApps.map((a) => a.name));
      const missed = repo.changedApps.filter((name) => !reported.has(name));
      if (missed.length > 0) log(`warning: changed but not reported: ${missed.slice(0, 5).join(', ')}`);
      // What a reviewer waits for: another commit on the pull request, the base side already rendered.
      // Timed over several pushes (each a new commit on the pull request), the median reported: one plan of a
      // second is at the mercy of a garbage collection or a busy neighbour.
      log(`planning ${pushes} further pushes`);
      const git = gitIn(repoDir);
      const byName = new Map(repo.apps.map((app) => [app.name, app]));
      const pushTimes: number[] = [];
      for (let push = 0; push < pushes; push++) {
        git('checkout', '-q', 'change');
        touchApps(
          repoDir,
          repo.changedApps.map((name) => byName.get(name)!),
          2 + push,
        );
        git('commit', '-q', '-am', `push ${2 + push}`);
        git('checkout', '-q', 'main');
        t = performance.now();
        await plan();
        pushTimes.push(performance.now() - t);
      }
      secondPushMs = pushTimes.sort((a, b) => a - b)[Math.floor(pushTimes.length / 2)]!;
      first = undefined;
      // A pull request's first plan in steady state: the worker has read the base branch before (an earlier
      // pull request, or this one's base planned on its own), but none of the affected apps' renders is cached.
      log('planning a first push on a worker that has seen the base branch');
      const worker = await loadPlanChange();
      await worker({ repoDir, base: 'main', head: 'main', cacheDir: join(work, 'worker-cache-warmup') });
      t = performance.now();
      await worker({ repoDir, base: 'main', head: repo.head, cacheDir: join(work, 'worker-cache') });
      firstOnWarmWorkerMs = performance.now() - t;
    } else {
      affectedApps = repo.changedApps.map((name) => ({
        name,
        status: 'changed (expected)',
        sourceType: '?',
      }));
    }

    // Raw tool time of the affected apps: every one when few, else an even sample scaled to all of them.
    log('timing raw renders of the affected applications');
    const trees = { base: join(work, 'base'), head: join(work, 'head') };
    const git = gitIn(repoDir);
    git('worktree', 'add', '-q', '--detach', trees.base, repo.base);
    git('worktree', 'add', '-q', '--detach', trees.head, repo.head);
    const env = toolEnv(join(work, 'helm-home'));
    const byName = new Map(repo.apps.map((a) => [a.name, a]));
    const measurable = affectedApps.filter((a) => byName.has(a.name));
    const step = Math.max(1, measurable.length / Math.max(1, rawSample));
    const sample = measurable.filter((_, i) => Math.floor(i % step) === 0).slice(0, rawSample);
    let sampledMs = 0;
    let sampledRenders = 0;
    for (const affected of sample) {
      const app = byName.get(affected.name)!;
      // An added app has no base render and a removed one no head render.
      const sides =
        affected.status === 'added' ? ['head'] : affected.status === 'removed' ? ['base'] : ['base', 'head'];
      for (const side of sides as ('base' | 'head')[]) {
        sampledMs += timeRawRender(app, trees[side], env);
        sampledRenders++;
      }
    }
    const perRender = sampledRenders > 0 ? sampledMs / sampledRenders : 0;
    const rawRenders = measurable.length * 2;
    const rawRenderMs = perRender * rawRenders;
    const appsByType: Record<AppType, number> = { kustomize: 0, helm: 0, directory: 0 };
    for (const app of repo.apps) appsByType[app.type]++;
    const result: BenchResult = {
      apps: repo.apps.length,
      appsByType,
      changedFile:
        repo.changedFiles.length === 1 ? repo.changedFiles[0]! : `${repo.changedFiles.length} files`,
      expectedAffected:
        repo.changedApps.length === 1 ? repo.changedApps[0]! : `${repo.changedApps.length} apps`,
      rawSampled: sampledRenders,
      affected: affectedApps.length,
      affectedApps,
      planColdMs,
      planWarmMs,
      rawRenderMs,
      rawRenders,
      ratioCold: planColdMs !== null && rawRenderMs > 0 ? planColdMs / rawRenderMs : null,
      ratioWarm: planWarmMs !== null && rawRenderMs > 0 ? planWarmMs / rawRenderMs : null,
      secondPushMs,
      firstOnWarmWorkerMs,
      ratioFirstOnWarmWorker:
        firstOnWarmWorkerMs !== null && rawRenderMs > 0 ? firstOnWarmWorkerMs / rawRenderMs : null,
      // The second push renders only the new heads: one render per affected app.
      ratioSecondPush:
        secondPushMs !== null && perRender > 0 ? secondPushMs / (perRender * measurable.length) : null,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      generateMs,
      node: process.version,
      v8Flags: process.execArgv
        .filter((arg) => arg.startsWith('--max-') || arg.startsWith('--heap-'))
        .join(' '),
      helm: toolVersion('helm'),
      kubectl: toolVersion('kubectl'),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else printTable(result);
  } finally {
    if (values.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Runs the bench under the V8 settings the server and workers run with (src/server/node-flags.ts), re-executing
 * itself when they are missing; `--v8-defaults` keeps Node's own (the figures before those settings).
 */
function underWorkerFlags(): boolean {
  if (process.argv.includes('--v8-defaults')) return true;
  if (LONG_RUNNING_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) return true;
  const args = [...LONG_RUNNING_NODE_FLAGS, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
  const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
  return false;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && underWorkerFlags()) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
