/** The first non-blank line of a tool's output, trimmed: git's stderr leads with the reason. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
