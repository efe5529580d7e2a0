import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

/** The project's own rule set (.dependency-cruiser.cjs), as `npm run lint:deps` applies it. */
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as {
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
  options: ICruiseOptions;
};

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Cruises a small tree laid out like src/ with the real rules; returns the names of the rules it breaks. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'mergeplane-layering-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const result = (await cruise(['src'], {
    ...config.options,
    baseDir: root,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
  })) as IReporterOutput;
  if (typeof result.output === 'string') throw new Error(result.output);
  return [...new Set(result.output.summary.violations.map((v) => v.rule.name))].sort();
}

describe('the layering rules of src/', () => {
  const entry = "import './render/render-app.ts';\nimport './github/post-comment.ts';\n";

  it('accept an adapter importing the core', async () => {
    expect(
      await violations({
        'src/cli.ts': entry,
        'src/render/render-app.ts': 'export const render = 1;\n',
        'src/github/post-comment.ts':
          "import { render } from '../render/render-app.ts';\nexport const post = render;\n",
      }),
    ).toEqual([]);
  });

  it('refuse the core importing an adapter (a deliberately wrong import)', async () => {
    expect(
      await violations({
        'src/cli.ts': entry,
        'src/render/render-app.ts':
          "import { post } from '../github/post-comment.ts';\nexport const render = post;\n",
        'src/github/post-comment.ts': 'export const post = 1;\n',
      }),
    ).toEqual(['core-not-edge']);
  });

  it('refuse a cycle, even of type-only imports', async () => {
    expect(
      await violations({
        'src/cli.ts': entry,
        'src/render/render-app.ts': "import type { B } from './b.ts';\nexport type A = { b?: B };\n",
        'src/render/b.ts': "import type { A } from './render-app.ts';\nexport type B = { a?: A };\n",
        'src/github/post-comment.ts': 'export const post = 1;\n',
      }),
    ).toEqual(['no-circular']);
  });

  it('refuse one flow importing the other, in either direction, and accept imports within a flow', async () => {
    const flows = "import './plan-job/run.ts';\nimport './delivery/deliver.ts';\n";
    expect(
      await violations({
        'src/cli.ts': flows,
        'src/plan-job/run.ts': "import { step } from './step.ts';\nexport const run = step;\n",
        'src/plan-job/step.ts': 'export const step = 1;\n',
        'src/delivery/deliver.ts': "import { run } from '../plan-job/run.ts';\nexport const deliver = run;\n",
      }),
    ).toEqual(['flows-apart']);
    expect(
      await violations({
        'src/cli.ts': flows,
        'src/plan-job/run.ts':
          "import { deliver } from '../delivery/deliver.ts';\nexport const run = deliver;\n",
        'src/delivery/deliver.ts': 'export const deliver = 1;\n',
      }),
    ).toEqual(['flows-apart']);
  });

  it('refuse a module nothing imports', async () => {
    expect(
      await violations({
        'src/cli.ts': entry,
        'src/render/render-app.ts': 'export const render = 1;\n',
        'src/github/post-comment.ts': 'export const post = 1;\n',
        'src/render/forgotten.ts': 'export const forgotten = 1;\n',
      }),
    ).toEqual(['no-orphans']);
  });
});
