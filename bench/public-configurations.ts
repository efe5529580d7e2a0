// How much of Upbound's public configurations the offline plan predicts: for each configuration, its example XR is
// planned as a new user's first pull request would (the XRD and Composition at base, the XR added at head), and the
// composed resources predicted are counted against the pipeline steps left "not predicted".
//   node bench/public-configurations.ts [--src DIR]
// `--src` points at another checkout's src/ (e.g. a worktree of an earlier commit) to measure it with the same inputs.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface Plan {
  claims: { kind: string; name: string; composed: { action: string; name: string }[]; notes?: string[] }[];
}
type PlanClaims = (o: { base: { objects: unknown[] }; head: { objects: unknown[] } }) => Plan;
type Scan = (dir: string) => Promise<{ object: Record<string, unknown> }[]>;

const ROOT = resolve(import.meta.dirname, '..');
const CONFIGURATIONS: { name: string; dir: string; functions: string }[] = [
  {
    name: 'platform-ref-aws v1.0.0',
    dir: 'test/crossplane/fixtures/platform-ref-aws/v1.0.0',
    functions: 'patch-and-transform',
  },
  {
    name: 'platform-ref-aws v1.6.0',
    dir: 'test/fixtures/upbound/platform-ref-aws-v1.6.0',
    functions: 'embedded KCL, auto-ready',
  },
  {
    name: 'platform-ref-aws v2.0.0',
    dir: 'test/crossplane/fixtures/platform-ref-aws/v2.0.0',
    functions: 'embedded KCL, auto-ready',
  },
  {
    name: 'configuration-aws-network main',
    dir: 'test/fixtures/upbound/configuration-aws-network-main',
    functions: 'embedded KCL, auto-ready',
  },
  {
    name: 'configuration-aws-network v0.23.0',
    dir: 'test/fixtures/upbound/configuration-aws-network',
    functions: 'go-templating, auto-ready',
  },
  {
    name: 'configuration-aws-eks (1a6abb1)',
    dir: 'test/fixtures/upbound/configuration-aws-eks',
    functions: 'patch-and-transform, cel-filter, sequencer',
  },
];

const { values } = parseArgs({ options: { src: { type: 'string', default: join(ROOT, 'src') } } });
const src = resolve(values.src);
const { planClaims } = (await import(join(src, 'crossplane/plan-claims.ts'))) as { planClaims: PlanClaims };
const { scanCrossplaneObjects } = (await import(join(src, 'crossplane/scan-crossplane-objects.ts'))) as {
  scanCrossplaneObjects: Scan;
};

const isInstance = (o: Record<string, unknown>) =>
  !['CompositeResourceDefinition', 'Composition'].includes(String(o.kind));

console.log(`src: ${src}`);
console.log('| configuration | functions | composed resources predicted | steps not predicted |');
console.log('| --- | --- | --- | --- |');
for (const configuration of CONFIGURATIONS) {
  const objects = await scanCrossplaneObjects(join(ROOT, configuration.dir));
  const platform = objects.filter((o) => !isInstance(o.object));
  const plan = planClaims({ base: { objects: platform }, head: { objects } });
  const composed = plan.claims.flatMap((c) => c.composed);
  const predicted = composed.filter((c) => c.action !== 'unknown').length;
  const unpredicted = composed.filter((c) => c.action === 'unknown').map((c) => c.name);
  console.log(
    `| ${configuration.name} | ${configuration.functions} | ${predicted} | ${unpredicted.length === 0 ? '0' : `${unpredicted.length} (${unpredicted.join(', ')})`} |`,
  );
}
