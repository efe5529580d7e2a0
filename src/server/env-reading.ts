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

/** A whole number in `min..max`, or `fallback` when unset. */
export function integer(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const text = raw.trim();
  if (!/^[0-9]+$/.test(text)) throw new ServerEnvError(name, `${show(text)} is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new ServerEnvError(name, `${value} is out of range (${min} to ${max})`);
  }
  return value;
}

/** A URL of one of `protocols` with a host; the message never echoes it (it may carry credentials). */
export function parseUrl(name: string, raw: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // The value may carry credentials (redis://:password@host), so it is not echoed.
    throw new ServerEnvError(name, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ServerEnvError(
      name,
      `unsupported scheme "${url.protocol}" (expected ${protocols.map((p) => `${p}//`).join(' or ')})`,
    );
  }
  if (url.hostname === '') throw new ServerEnvError(name, 'the URL has no host');
  return url;
}
