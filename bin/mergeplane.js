#!/usr/bin/env node
// Thin launcher: the sources are TypeScript run directly by Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `mergeplane: needs Node 24 or newer (running ${process.version}); run it through npm/npx in the project\n`,
  );
  process.exit(2);
}
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
