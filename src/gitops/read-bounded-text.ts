import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Default of `discovery.maxFileBytes`: discovery and the Crossplane scan skip larger files. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * A regular file's text, read only when it is at most `maxBytes` (sized on the open handle, so the size
 * checked is the file read). A symlink, a directory or an unreadable path is `undefined`; a file too large
 * is `{ tooLarge: size }` and is not read.
 */
export async function readBoundedText(
  path: string,
  maxBytes: number,
): Promise<{ text: string } | { tooLarge: number } | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return { tooLarge: info.size };
    return { text: await handle.readFile('utf8') };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
