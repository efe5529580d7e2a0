/** Reading and reporting server environment variables, shared by the env loader and the secret loaders. */

/**
 * A server environment variable is missing or invalid. `message` is `VARIABLE: reason`; it never contains
 * the value of a secret (keys, secrets, passwords, URLs that may carry credentials).
 */
export class ServerEnvError extends Error {
  override readonly name = 'ServerEnvError';
  readonly variable: string;
  readonly reason: string;
  constructor(variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.variable = variable;
    this.reason = reason;
  }
}

export type Env = Record<string, string | undefined>;

/** Blank counts as unset: `.env` files and compose files routinely carry `NAME=`. */
export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Only for values that are not secret: echoing them makes a typo obvious. */
export function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
