import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { SAMPLE_ORIGIN, sampleBaseTree, sampleHeadChange } from '../support/sample-gitops-repo.ts';

const bin = new URL('../../bin/mergeplane.js', import.meta.url).pathname;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MERGEPLANE_CACHE_DIR: cacheDir },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let repo: GitFixture;
let broken: GitFixture;
let cacheDir: string;

beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-cli-cache-'));
  repo = createGitFixture({ origin: SAMPLE_ORIGIN });
  repo.commit(sampleBaseTree(), 'base');
  repo.git('checkout', '-q', '-b', 'change');
  repo.commit(sampleHeadChange(), 'head');
  broken = createGitFixture({ origin: SAMPLE_ORIGIN });
  broken.commit(sampleBaseTree(), 'base');
  broken.commit({ 'charts/web/templates/broken.yaml': '{{ fail "chart is broken on purpose" }}\n' }, 'break');
});

afterAll(() => {
  repo.cleanup();
  broken.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('mergeplane plan', () => {
  it('exits 0 and prints the JSON report', () => {
    const result = cli([
      'plan',
      '--repo',
      repo.dir,
      '--base',
      'main',
      '--head',
      'change',
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.version).toBe(1);
    expect(report.head).toBe(repo.git('rev-parse', 'change'));
    expect(report.apps.find((a: { name: string }) => a.name === 'kust').status).toBe('changed');
  });

  it('prints the Markdown comment by default, and writes --out files', () => {
    const markdown = cli(['plan', '--repo', repo.dir, '--base', 'main', '--head', 'change']);
    expect(markdown.status).toBe(0);
    expect(markdown.stdout).toContain('Mergeplane');
    expect(markdown.stdout).toContain('kust');
    const out = join(cacheDir, 'plan.md');
    const written = cli(['plan', '--repo', repo.dir, '--base', 'main', '--head', 'change', '--out', out]);
    expect(written.status).toBe(0);
    expect(written.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(markdown.stdout);
  });

  it('exits 1 when a gate fails', () => {
    const result = cli([
      'plan',
      '--repo',
      broken.dir,
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.gates.some((g: { status: string }) => g.status === 'fail')).toBe(true);
  });

  it.each([
    ['a missing --head', ['plan', '--repo', '.', '--base', 'main'], /--head is required/],
    ['an unknown option', ['plan', '--repo', '.', '--base', 'a', '--head', 'b', '--colour'], /colour/],
    ['a bad --format', ['plan', '--repo', '.', '--base', 'a', '--head', 'b', '--format', 'xml'], /--format/],
    ['an unknown command', ['deploy'], /unknown command/],
  ])('exits 2 on %s', (_name, args, message) => {
    const result = cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with one line for an unknown ref, a non-repository and an unreadable config', () => {
    const cases = [
      cli(['plan', '--repo', repo.dir, '--base', 'no-such-branch', '--head', 'change']),
      cli(['plan', '--repo', tmpdir(), '--base', 'main', '--head', 'change']),
      cli([
        'plan',
        '--repo',
        repo.dir,
        '--base',
        'main',
        '--head',
        'change',
        '--config',
        '/nonexistent/mp.yml',
      ]),
    ];
    for (const result of cases) {
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^mergeplane: /);
    }
    expect(cases[0]!.stderr).toContain('no-such-branch');
  });
});

/**
 * Runs the CLI with stderr on a pseudo-terminal (util-linux `script`), stdout to a file; returns both. With `termOnce`,
 * SIGTERM is sent as soon as that text has reached the terminal (script's flushed log is polled), not after a fixed
 * delay that a loaded machine may not have reached.
 */
function onTerminal(
  args: string[],
  options: { termOnce?: string } = {},
): { status: number | null; terminal: string; stdout: string } {
  const stamp = `${args.length}-${Date.now()}`;
  const out = join(cacheDir, `stdout-${stamp}.txt`);
  const log = join(cacheDir, `terminal-${stamp}.txt`);
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const run = `${[process.execPath, bin, ...args].map(quote).join(' ')} > ${quote(out)}`;
  const inner =
    options.termOnce === undefined
      ? run
      : // The text comes from the environment: script's log starts with the command line, which must not match.
        `${run} & p=$!; for i in $(seq 1200); do grep -qF -e "$MP_TERM_ONCE" ${quote(log)} && break; ` +
        'sleep 0.05; done; kill -TERM $p; wait $p';
  const result = spawnSync('script', ['-qfec', inner, log], {
    encoding: 'utf8',
    env: {
      ...process.env,
      MERGEPLANE_CACHE_DIR: cacheDir,
      COLUMNS: '120',
      // script runs the command with $SHELL: a POSIX one, whatever the user's login shell is.
      SHELL: '/bin/sh',
      MP_TERM_ONCE: options.termOnce ?? '',
    },
  });
  return { status: result.status, terminal: result.stdout, stdout: readFileSync(out, 'utf8') };
}

describe('mergeplane plan progress', () => {
  const args = () => ['plan', '--repo', repo.dir, '--base', 'main', '--head', 'change'];

  it('shows the phases and the affected apps rendered on a terminal, never in the report', () => {
    const piped = cli(args());
    const shown = onTerminal(args());
    expect(shown.status).toBe(0);
    expect(shown.stdout).toBe(piped.stdout);
    expect(shown.terminal).toContain('Discovering applications');
    const counts = [...shown.terminal.matchAll(/Rendering (\d+) of (\d+) affected apps?/g)];
    expect(counts.length).toBeGreaterThan(0);
    // Out of every affected app (each one the report lists as changed, added or removed), counting up; the bar
    // redraws at most every 100 ms, so not every count is drawn.
    const report = JSON.parse(cli([...args(), '--format', 'json']).stdout) as { apps: { status: string }[] };
    const affected = report.apps.filter((a) => a.status !== 'unchanged').length;
    expect(new Set(counts.map((c) => Number(c[2])))).toEqual(new Set([affected]));
    const done = counts.map((c) => Number(c[1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(piped.stderr).toBe('');
  });

  it('is silent on a terminal with --quiet', () => {
    const shown = onTerminal([...args(), '--quiet']);
    expect(shown.status).toBe(0);
    expect(shown.terminal).not.toContain('Rendering');
    expect(shown.terminal).not.toContain('mergeplane:');
  });

  it('still ends on a signal, giving the terminal its cursor back', () => {
    // SIGTERM once the bar is up, while the plan (no cache) is running; the exit status is the plan's own.
    const stopped = onTerminal([...args(), '--no-cache'], { termOnce: 'mergeplane: ' });
    expect(stopped.status).toBe(128 + 15);
    expect(stopped.stdout).toBe('');
    // The bar was up (its cursor hidden) when the signal came, and the cursor was shown again.
    expect(stopped.terminal).toContain('mergeplane: ');
    expect(stopped.terminal.lastIndexOf('\u001b[?25h')).toBeGreaterThan(
      stopped.terminal.lastIndexOf('\u001b[?25l'),
    );
  });
});
