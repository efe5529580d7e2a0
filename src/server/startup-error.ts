/**
 * The process cannot start for a reason the operator can fix (a missing or wrong configuration): the CLI
 * prints the one-line message and exits 2. Kept free of heavy imports: the CLI loads it eagerly.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
