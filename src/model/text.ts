/** A full commit SHA (SHA-1 or SHA-256) shortened to 7 characters, as git shows it; anything else (a branch, a tag, a chart version) as given. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/** The first non-blank line of a tool's output, trimmed: git's stderr leads with the reason. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
