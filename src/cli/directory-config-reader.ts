import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { type ConfigFileReader, ConfigSourceError, MAX_CONFIG_FILE_BYTES } from '../config/config-extends.ts';

/**
 * `--config-extends DIR`: the repositories `_extends` names, checked out side by side in DIR (`DIR/.github`,
 * `DIR/platform-defaults`); the owner part of `owner/repo` is not used. A path leaving its repository folder is
 * refused.
 */
export function directoryConfigReader(dir: string): ConfigFileReader {
  return async (source) => {
    const root = resolve(dir, source.repo);
    const file = resolve(root, source.path);
    if (!file.startsWith(`${root}${sep}`))
      throw new ConfigSourceError(`${source.path} leaves ${source.repo}`);
    try {
      const info = await stat(file);
      if (!info.isFile()) return undefined;
      if (info.size > MAX_CONFIG_FILE_BYTES)
        throw new ConfigSourceError(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
      return await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof ConfigSourceError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      // Nothing on a local disk gets better by retrying the plan.
      throw new ConfigSourceError(code ?? String(error));
    }
  };
}
