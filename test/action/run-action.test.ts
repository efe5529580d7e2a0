import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandData, runAction } from '../../src/action/run-action.ts';
import { planChange } from '../../src/engine/plan-change.ts';
import { gatesFailed } from '../../src/gates/evaluate-gates.ts';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { silentLogger } from '../../src/plan/plan-logger.ts';
import {
  createDemoGitHubRepo,
  type DemoGitHubRepo,
  demoPull,
  generateAppKey,
  OWNER,
  pullRequestPayload,
  REPO,
} from '../server/server-test-env.ts';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';

const PROJECT = new URL('../..', import.meta.url).pathname;
let repo: DemoGitHubRepo;
let expected: PlanReport;
let privateKey: string;
let fake: FakeGitHub;
let scratch: string;

/** The conclusion the gates imply (DESIGN: failure > action_required > success). */
function conclusionOf(report: PlanReport): string {
  if (gatesFailed(report.gates)) return 'failure';
  return report.gates.some((g) => g.status === 'needs-approval') ? 'action_required' : 'success';
}

beforeAll(async () => {
  repo = createDemoGitHubRepo();
  privateKey = generateAppKey();
  expected = await planChange({
    repoDir: repo.demo.dir,
    base: repo.demo.base,
    baseBranch: 'main',
    head: repo.demo.head,
    cacheDir: join(repo.dir, 'render-cache'),
  });
}, 120_000);
afterAll(() => repo?.cleanup());

afterEach(async () => {
  await fake?.close();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  env: NodeJS.ProcessEnv;
  outputs: () => Record<string, string>;
  summary: () => string;
}

/** The runner's variables for a `pull_request` job: event file, token, API and git pointed at the stand-in. */
async function runner(payload: Record<string, unknown>, extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  fake = await startFakeGitHub({
    appId: 1,
    privateKey,
    appSlug: 'github-actions',
    gitRoot: repo.gitRoot,
    pulls: demoPull(repo),
  });
  scratch = mkdtempSync(join(tmpdir(), 'mergeplane-action-'));
  const paths = {
    event: join(scratch, 'event.json'),
    output: join(scratch, 'output'),
    summary: join(scratch, 'summary.md'),
  };
  writeFileSync(paths.event, JSON.stringify(payload));
  writeFileSync(paths.output, '');
  writeFileSync(paths.summary, '');
  const env: NodeJS.ProcessEnv = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: paths.event,
    GITHUB_TOKEN: fake.token,
    GITHUB_API_URL: `${fake.origin}/api/v3`,
    GITHUB_SERVER_URL: fake.origin,
    GITHUB_OUTPUT: paths.output,
    GITHUB_STEP_SUMMARY: paths.summary,
    GITHUB_RUN_ID: '77',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: scratch,
    MERGEPLANE_CACHE_DIR: join(repo.dir, 'render-cache'),
    ...extra,
  };
  return {
    env,
    outputs: () => parseOutputs(readFileSync(paths.output, 'utf8')),
    summary: () => readFileSync(paths.summary, 'utf8'),
  };
}

/** GITHUB_OUTPUT's multi-line syntax, as the runner reads it: `name<<DELIMITER`, lines, `DELIMITER`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([A-Za-z0-9_-]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const end = lines.indexOf(match[2]!, i + 1);
    outputs[match[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

/** A real `pull_request.opened` of a branch of the repository itself (the example's head is another repository). */
function opened(): Record<string, unknown> {
  const payload = pullRequestPayload('opened', {
    number: 1,
    headSha: repo.demo.head,
    baseSha: repo.demo.base,
  });
  const head = (payload.pull_request as { head: { repo: Record<string, unknown> } }).head;
  head.repo = { ...head.repo, name: REPO, full_name: `${OWNER}/${REPO}` };
  return payload;
}

async function run(env: NodeJS.ProcessEnv) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await runAction({
    env,
    stdout: (text) => stdout.push(text),
    stderr: (line) => stderr.push(line),
    logger: silentLogger,
  });
  return { status, stdout: stdout.join(''), stderr: stderr.join('\n') };
}

describe('the GitHub Action (mergeplane action)', () => {
  it('plans a pull_request event and publishes the comment and the check run as the App does', async () => {
    const runnerEnv = await runner(opened());
    const { status, stdout } = await run(runnerEnv.env);
    const conclusion = conclusionOf(expected);

    expect(status).toBe(gatesFailed(expected.gates) ? 1 : 0);
    expect(fake.checkRuns.map((r) => [r.name, r.head_sha])).toEqual([['Mergeplane / plan', repo.demo.head]]);
    // In progress, then completed once with the plan's conclusion.
    expect(fake.checkRuns[0]!.history).toEqual(['in_progress', `completed:${conclusion}`]);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.user.login).toBe('github-actions[bot]');
    // The log's copy of the plan is fenced: nothing in it can act as a workflow command.
    const fence = /^::stop-commands::([0-9a-f]{32})\n([\s\S]*)::\1::\n$/.exec(stdout);
    expect(fence).not.toBeNull();
    expect(fence![2]).not.toContain(`::${fence![1]}::`);
    const changed = expected.apps.filter((a) => a.status !== 'unchanged');
    expect(changed.length).toBeGreaterThan(0);
    for (const app of changed) {
      expect(fake.comments[0]?.body).toContain(app.name);
      // The job log gets the same plan (input format: markdown).
      expect(stdout).toContain(app.name);
    }

    const outputs = runnerEnv.outputs();
    expect(outputs.result).toBe(conclusion);
    const report = JSON.parse(readFileSync(outputs.report!, 'utf8')) as PlanReport;
    expect(report.version).toBe(1);
    expect([report.base, report.head]).toEqual([repo.demo.base, repo.demo.head]);
    expect(report.apps.map((a) => [a.namespace, a.name, a.status])).toEqual(
      expected.apps.map((a) => [a.namespace, a.name, a.status]),
    );
    expect(runnerEnv.summary()).toContain(changed[0]!.name);
    fake.assertRequestsMatchOpenApi();
  }, 120_000);

  it('edits its own sticky comment on the next run instead of adding one', async () => {
    const runnerEnv = await runner(opened());
    await run(runnerEnv.env);
    await run(runnerEnv.env);
    expect(fake.comments).toHaveLength(1);
    expect(fake.checkRuns).toHaveLength(2);
    fake.assertRequestsMatchOpenApi();
  }, 120_000);

  it('reports a fork pull request in the job only: its token is read-only', async () => {
    const payload = opened();
    const head = (payload.pull_request as { head: { repo: Record<string, unknown> } }).head;
    head.repo = { ...head.repo, full_name: 'stranger/demo-gitops', name: 'demo-gitops' };
    const runnerEnv = await runner(payload, { INPUT_FORMAT: 'json' });
    const { status, stdout, stderr } = await run(runnerEnv.env);

    expect(status).toBe(gatesFailed(expected.gates) ? 1 : 0);
    expect(fake.checkRuns).toEqual([]);
    expect(fake.comments).toEqual([]);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(stderr).toMatch(/::notice title=Mergeplane::A pull request from a fork/);
    expect(runnerEnv.outputs().result).toBe(conclusionOf(expected));
    const json = stdout.replace(/^::stop-commands::\w+\n/, '').replace(/::\w+::\n$/, '');
    expect((JSON.parse(json) as PlanReport).head).toBe(repo.demo.head);
    expect(runnerEnv.summary()).toContain('from a fork');
  }, 120_000);

  it.each([
    ['pull_request_target', { GITHUB_EVENT_NAME: 'pull_request_target' }, /write token.*use pull_request/],
    ['a format it does not know', { INPUT_FORMAT: 'yaml' }, /input format must be markdown or json/],
    ['no token', { GITHUB_TOKEN: '' }, /GITHUB_TOKEN is not set/],
    ['a config path outside the repository', { INPUT_CONFIG: '../etc/passwd' }, /not a path inside/],
  ])(
    'refuses %s with exit 2 and a workflow error',
    async (_label, extra, message) => {
      const runnerEnv = await runner(opened(), extra);
      const { status, stderr } = await run(runnerEnv.env);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^::error title=Mergeplane::/);
      expect(stderr).toMatch(message);
      expect(fake.comments).toEqual([]);
    },
    60_000,
  );

  it('escapes its own error lines as the runner reads workflow commands: one line each', () => {
    expect(commandData('50% failed\r\n::add-mask::x')).toBe('50%25 failed%0D%0A::add-mask::x');
  });

  it('does nothing for an event that changes no plan', async () => {
    const payload = opened();
    payload.action = 'labeled';
    const runnerEnv = await runner(payload);
    expect((await run(runnerEnv.env)).status).toBe(0);
    expect(runnerEnv.outputs()).toEqual({ result: 'skipped' });
    expect(fake.requests).toEqual([]);
  });
});

interface ActionManifest {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; run: string; env?: Record<string, string> }[] };
}

describe('action.yml', () => {
  const action = parse(readFileSync(join(PROJECT, 'action.yml'), 'utf8')) as ActionManifest;
  const step = action.runs.steps.find((s) => s.id === 'plan')!;

  /** A workflow expression as action.yml spells it: dollar, double braces, the path. */
  const expression = (path: string) => ['$', '{{ ', path, ' }}'].join('');

  it('hands every input to the entry point and takes its outputs from it', () => {
    expect(action.runs.using).toBe('composite');
    expect(step.env).toEqual({
      GITHUB_TOKEN: expression('inputs.token'),
      INPUT_CONFIG_TOKEN: expression('inputs.config-token'),
      INPUT_CONFIG: expression('inputs.config'),
      INPUT_FORMAT: expression('inputs.format'),
    });
    expect(Object.keys(action.inputs).sort()).toEqual(['config', 'config-token', 'format', 'token']);
    expect(action.outputs).toEqual({
      report: { description: expect.any(String), value: expression('steps.plan.outputs.report') },
      result: { description: expect.any(String), value: expression('steps.plan.outputs.result') },
    });
  });

  it('runs its plan step as the runner would: bash, the action path, the inputs defaults', async () => {
    const runnerEnv = await runner(opened());
    // The runner evaluates `${{ inputs.X }}` to the input's value (here: the defaults, the token given).
    const inputs: Record<string, string> = {
      token: runnerEnv.env.GITHUB_TOKEN!,
      'config-token': action.inputs['config-token']!.default!,
      config: action.inputs.config!.default!,
      format: action.inputs.format!.default!,
    };
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([name, value]) => [
        name,
        value.replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_m, input: string) => inputs[input] ?? ''),
      ]),
    );
    // Not spawnSync: the GitHub stand-in answers from this process's event loop.
    const child = spawn('bash', ['-e', '-c', step.run], {
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        ...runnerEnv.env,
        ...stepEnv,
        GITHUB_ACTION_PATH: PROJECT,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/::error/);
    expect(status).toBe(gatesFailed(expected.gates) ? 1 : 0);
    expect(runnerEnv.outputs().result).toBe(conclusionOf(expected));
    expect(fake.comments).toHaveLength(1);
    fake.assertRequestsMatchOpenApi();
  }, 120_000);
});
