import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './run-tool.ts';

export type ToolName = 'helm' | 'kubectl';

export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  readonly tool: ToolName;
  constructor(tool: ToolName, message: string) {
    super(message);
    this.tool = tool;
  }
}

const ENV_VARS: Record<ToolName, string> = { helm: 'MERGEPLANE_HELM', kubectl: 'MERGEPLANE_KUBECTL' };

/** src/render → project root. */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a render tool: the MERGEPLANE_HELM / MERGEPLANE_KUBECTL variable, then `<project>/.tools/bin`, then
 * PATH. A variable that is set but not an executable file is an error rather than a silent fallback, since
 * whoever set it expects that binary to be used.
 */
export function resolveTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const variable = ENV_VARS[name];
  const explicit = env[variable];
  if (explicit !== undefined && explicit !== '') {
    const path = resolve(explicit);
    if (isExecutableFile(path)) return path;
    throw new ToolNotFoundError(name, `${name} not found: ${variable}=${explicit} is not an executable file`);
  }
  const local = join(PROJECT_ROOT, '.tools', 'bin', name);
  if (isExecutableFile(local)) return local;
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new ToolNotFoundError(
    name,
    `${name} not found: ${variable} is not set, ${local} does not exist (run npm ci), and it is not on PATH`,
  );
}

const versions = new Map<string, Promise<string>>();

async function readVersion(path: string, name: ToolName): Promise<string> {
  const common = { command: path, cwd: PROJECT_ROOT, timeoutMs: 30_000, maxOutputBytes: 1024 * 1024 };
  if (name === 'helm') {
    const { stdout } = await runTool({ ...common, args: ['version', '--short'] });
    return `helm ${stdout.trim()}`;
  }
  const { stdout } = await runTool({ ...common, args: ['version', '--client', '--output=json'] });
  const parsed = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string }; kustomizeVersion?: string };
  return `kubectl ${parsed.clientVersion?.gitVersion ?? 'unknown'} kustomize ${parsed.kustomizeVersion ?? 'unknown'}`;
}

/** The tool's version string (part of render cache keys); memoized per path for the process. */
export function toolVersion(path: string, name: ToolName): Promise<string> {
  const key = `${name}\0${path}`;
  let version = versions.get(key);
  if (!version) {
    // A tool that cannot report its version still gets a key that changes with the binary; the render itself
    // will then fail (or not) with a proper RenderError instead of the whole plan failing here.
    version = readVersion(path, name).catch(() => {
      versions.delete(key);
      try {
        const info = statSync(path);
        return `${name} unknown-version ${info.size}-${Math.round(info.mtimeMs)}`;
      } catch {
        return `${name} unknown-version`;
      }
    });
    versions.set(key, version);
  }
  return version;
}
