import { readFile } from 'node:fs/promises';
import { dirname, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from '../kube/kube-object.ts';
import { resolveInsideRoot } from './assert-inside-root.ts';
import { kustomizationFile } from './detect-source-type.ts';
import { UnsafeContentError } from './render-error.ts';

const REMOTE =
  /^(https?:\/\/|ssh:\/\/|git@|git::|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=|\.git\/\//;
const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];

export function isRemoteReference(ref: string): boolean {
  return REMOTE.test(ref);
}

function allowed(ref: string, allowedRemotes: string[]): boolean {
  return allowedRemotes.some((prefix) => ref.startsWith(prefix));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A plugin config (in a file or inline) that would make kustomize run code: exec or containerized KRM functions. */
function isPluginConfig(object: unknown): boolean {
  if (!isRecord(object)) return false;
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  if (FUNCTION_ANNOTATIONS.some((a) => a in annotations)) return true;
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  // Built-in generators/transformers live in `builtin`; anything else is an external plugin.
  return apiVersion !== '' && !apiVersion.startsWith('builtin');
}

/**
 * Walks the kustomization graph from `appDir` and refuses what would make a render reach the network or
 * run code: remote bases not in `allowedRemotes`, exec/KRM-function plugins. Local paths are checked for
 * symlink escapes. kubectl's own load restrictor stays on for the rest.
 */
export async function assertKustomizeSafe(
  root: string,
  appDir: string,
  allowedRemotes: string[],
  label: string,
): Promise<void> {
  const seen = new Set<string>();
  const visit = async (repoDir: string): Promise<void> => {
    if (seen.has(repoDir)) return;
    seen.add(repoDir);
    const dir = await resolveInsideRoot(root, repoDir, label);
    const file = kustomizationFile(dir);
    if (!file) return;
    const fileRel = posix.join(repoDir, relative(dir, file));
    let doc: unknown;
    try {
      doc = parse(await readFile(file, 'utf8'));
    } catch {
      return; // kubectl reports the syntax error with its own message
    }
    if (!isRecord(doc)) return;
    const refs = [...strings(doc.resources), ...strings(doc.bases), ...strings(doc.components)];
    for (const ref of refs) {
      if (isRemoteReference(ref)) {
        if (allowed(ref, allowedRemotes)) continue;
        throw new UnsafeContentError(
          `${label}: remote kustomize base ${ref} in ${fileRel} is not allowed (render.allowedRemotes)`,
          { file: fileRel },
        );
      }
      const target = posix.normalize(posix.join(repoDir, ref));
      const full = await resolveInsideRoot(root, target, label);
      if (kustomizationFile(full) !== undefined) await visit(target);
    }
    for (const field of ['generators', 'transformers', 'validators']) {
      for (const entry of Array.isArray(doc[field]) ? doc[field] : []) {
        if (typeof entry !== 'string') {
          if (isPluginConfig(entry)) {
            throw new UnsafeContentError(
              `${label}: ${fileRel} declares a kustomize plugin in ${field}; plugins are not run`,
              {
                file: fileRel,
              },
            );
          }
          continue;
        }
        if (isRemoteReference(entry)) {
          throw new UnsafeContentError(
            `${label}: remote ${field} entry ${entry} in ${fileRel} is not allowed`,
            {
              file: fileRel,
            },
          );
        }
        const target = posix.normalize(posix.join(repoDir, entry));
        const full = await resolveInsideRoot(root, target, label);
        if (kustomizationFile(full) !== undefined) {
          await visit(target);
          continue;
        }
        let text: string;
        try {
          text = await readFile(full, 'utf8');
        } catch {
          continue;
        }
        for (const part of text.split(/^---\s*$/m)) {
          let config: unknown;
          try {
            config = parse(part);
          } catch {
            continue;
          }
          if (isPluginConfig(config)) {
            throw new UnsafeContentError(
              `${label}: ${posix.join(dirname(fileRel), entry)} is a kustomize plugin (${field}); plugins are not run`,
              { file: fileRel },
            );
          }
        }
      }
    }
    if (Array.isArray(doc.helmCharts) && doc.helmCharts.length > 0) {
      throw new UnsafeContentError(
        `${label}: ${fileRel} uses helmCharts, which needs kustomize --enable-helm; not run`,
        {
          file: fileRel,
        },
      );
    }
  };
  await visit(appDir);
}
