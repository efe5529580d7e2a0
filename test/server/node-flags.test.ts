import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG_RUNNING_NODE_FLAGS, missingNodeFlags } from '../../src/server/node-flags.ts';

const root = new URL('../../', import.meta.url);

describe('V8 settings of the long-running processes', () => {
  it('are on the command line of the image and of npm start / npm run worker', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint).toBeDefined();
    const argv = JSON.parse(entrypoint!) as string[];
    expect(argv.slice(argv.indexOf('node') + 1, -1)).toEqual([...LONG_RUNNING_NODE_FLAGS]);
    const scripts = (
      JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const name of ['start', 'worker']) {
      expect(scripts[name]).toMatch(
        new RegExp(`^node ${LONG_RUNNING_NODE_FLAGS.join(' ')} bin/mergeplane\\.js `),
      );
    }
  });

  it('are flags this Node accepts, and take effect', () => {
    // V8 exits with an error on an unknown flag; the semi-space bound shows in the new space's size.
    const out = execFileSync(
      process.execPath,
      [
        ...LONG_RUNNING_NODE_FLAGS,
        '-e',
        "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit))",
      ],
      { encoding: 'utf8' },
    );
    const defaults = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit))"],
      { encoding: 'utf8' },
    );
    // The heap limit counts the young generation: a smaller semi-space bound gives a different limit.
    expect(Number(out)).toBeGreaterThan(0);
    expect(Number(out)).not.toBe(Number(defaults));
  });

  it('names the settings a process was started without, so the server can warn', () => {
    expect(missingNodeFlags([LONG_RUNNING_NODE_FLAGS[0]], '')).toEqual(LONG_RUNNING_NODE_FLAGS.slice(1));
    expect(missingNodeFlags([...LONG_RUNNING_NODE_FLAGS, '--inspect'], '')).toEqual([]);
    // Given through NODE_OPTIONS, or with another value the operator chose, they are not missing.
    expect(missingNodeFlags([], LONG_RUNNING_NODE_FLAGS.join(' '))).toEqual([]);
    const [first] = LONG_RUNNING_NODE_FLAGS[0].split('=');
    expect(missingNodeFlags([`${first}=64`], '')).toEqual(LONG_RUNNING_NODE_FLAGS.slice(1));
  });
});
