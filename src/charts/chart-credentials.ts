import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';

/** Credentials of a private chart repository or registry, from the server's configuration only. */
export interface ChartCredential {
  /** URL prefix: `https://charts.example.com/private`, `oci://registry.example.com/team`. */
  url: string;
  username: string;
  password: string;
}

/** A chart setting of the server's environment is unusable; `variable` names it. */
export class ChartCredentialsError extends Error {
  override readonly name = 'ChartCredentialsError';
  readonly variable: string;
  constructor(message: string, variable = 'MERGEPLANE_CHART_CREDENTIALS_PATH') {
    super(message);
    this.variable = variable;
  }
}

/** Reads `repositories: [{url, username, password}]` (the file MERGEPLANE_CHART_CREDENTIALS_PATH names). */
export function parseChartCredentials(text: string, file: string): ChartCredential[] {
  let parsed: unknown;
  try {
    parsed = parseYamlValue(text);
  } catch (error) {
    throw new ChartCredentialsError(`${file}: ${(error as Error).message}`);
  }
  const list = isRecord(parsed) ? parsed.repositories : undefined;
  if (!Array.isArray(list)) throw new ChartCredentialsError(`${file}: expected a list under repositories`);
  return list.map((entry, index) => {
    const ok =
      isRecord(entry) &&
      typeof entry.url === 'string' &&
      entry.url !== '' &&
      typeof entry.username === 'string' &&
      typeof entry.password === 'string';
    if (!ok)
      throw new ChartCredentialsError(`${file}: repositories[${index}] needs url, username and password`);
    return {
      url: entry.url as string,
      username: entry.username as string,
      password: entry.password as string,
    };
  });
}

/** The credential whose URL prefix matches `url` at a path boundary (the longest one wins). */
export function credentialFor(
  url: string,
  credentials: readonly ChartCredential[],
): ChartCredential | undefined {
  const matches = credentials.filter((c) => {
    const prefix = c.url.replace(/\/+$/, '');
    return url === prefix || url.startsWith(`${prefix}/`);
  });
  return matches.sort((a, b) => b.url.length - a.url.length)[0];
}

export function basicAuthorization(credential: ChartCredential | undefined): string | undefined {
  if (!credential) return undefined;
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}
