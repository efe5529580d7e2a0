/**
 * Joins `ref` onto the repository-relative `base` (POSIX), resolving `.` and `..` lexically.
 * Undefined when the result would leave the repository; `.` for the root.
 */
export function joinRepoPath(base: string, ref: string): string | undefined {
  const parts: string[] = [];
  for (const part of `${base}/${ref}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.length === 0 ? '.' : parts.join('/');
}
