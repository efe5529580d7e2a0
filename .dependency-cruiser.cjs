/**
 * The layering of src/ (docs/ARCHITECTURE.md), checked by `npm run lint:deps` in `npm test`.
 * Core folders hold the planning model and logic; adapters talk to one outside system; flows and entry points
 * wire them together. Core never reaches an adapter or a flow; nothing forms a cycle, type-only imports included.
 */
const CORE = '^src/(gitops|render|diff|crossplane|plan|report|gates|template|model|config|schema)/';
const ADAPTERS = '^src/(github|queue|server|kube|git|charts)/';
const FLOWS = '^src/(engine|delivery|plan-job|drift|cli|action)/|^src/(cli|app)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'core-not-edge',
      comment: 'The planning core gets I/O through ports passed in; it never imports an adapter or a flow.',
      severity: 'error',
      from: { path: CORE },
      to: { path: [ADAPTERS, FLOWS].join('|') },
    },
    {
      name: 'adapters-not-flows',
      comment:
        'An adapter (GitHub, Redis queues, Kubernetes, git, chart repositories) knows nothing of the flows that use it; server/ composes them.',
      severity: 'error',
      from: { path: '^src/(github|queue|kube|git|charts)/' },
      to: { path: FLOWS },
    },
    {
      name: 'queue-not-github',
      comment: 'Queue plumbing never talks to GitHub: the flows publish through the GitHub adapter.',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { path: '^src/github/' },
    },
    {
      name: 'flows-apart',
      comment: 'The pull-request flow and the post-merge flow share the engine and the adapters, not each other.',
      severity: 'error',
      from: { path: '^src/(plan-job|delivery|drift)/' },
      to: { path: '^src/(plan-job|delivery|drift)/', pathNot: '^src/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included: shared types go to a file both sides import.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'Every module of src/ is reachable from an entry point (bin/mergeplane.js imports src/cli.ts).',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: '^src/cli\\.ts$' },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
