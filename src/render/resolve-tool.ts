import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName = 'helm' | 'kubectl';

export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENV_VARS: Record<ToolName, string> = { helm: 'MERGEPLANE_HELM', kubectl: 'MERGEPLANE_KUBECTL' };

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a render tool: the env var override, then the project's `.tools/bin` (from `npm ci`), then PATH. */
export function resolveTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[ENV_VARS[name]];
  if (override) {
    if (isExecutable(override)) return override;
    throw new ToolNotFoundError(`${name} not found: ${ENV_VARS[name]}=${override} is not an executable file`);
  }
  const bundled = join(projectRoot, '.tools', 'bin', name);
  if (isExecutable(bundled)) return bundled;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  throw new ToolNotFoundError(
    `${name} not found: set ${ENV_VARS[name]}, run \`npm ci\` to install it into .tools/bin, or put it on PATH`,
  );
}

const versions = new Map<string, Promise<string>>();

/** The tool's version string, part of every render cache key. */
export function toolVersion(path: string, name: ToolName): Promise<string> {
  let version = versions.get(path);
  if (!version) {
    const args = name === 'helm' ? ['version', '--short'] : ['version', '--client', '-o', 'json'];
    version = new Promise((resolve) => {
      execFile(path, args, { timeout: 10_000, env: { PATH: process.env.PATH ?? '' } }, (error, stdout) => {
        resolve(error ? `${name}@${path}` : stdout.trim());
      });
    });
    versions.set(path, version);
  }
  return version;
}
