/** Bad command-line usage: the CLI prints the message (and a usage hint) and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
