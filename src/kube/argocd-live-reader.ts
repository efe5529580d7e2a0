import { isRecord, type KubeObject } from '../model/kube-object.ts';

/** The live objects of one Argo CD application, or why there are none to compare with. */
export type LiveObjects =
  | { kind: 'live'; objects: KubeObject[] }
  /** Argo CD answers 403 for an application that does not exist as for one the token may not read. */
  | { kind: 'unknown-app'; reason: string }
  | { kind: 'unavailable'; reason: string };

export interface LiveReader {
  /**
   * The live objects of Argo CD's application `namespace/name`, only when one of its sources is this repository
   * (`isThisRepo`): an application of the same name that deploys from elsewhere is another team's, not this plan's.
   */
  liveObjects(
    app: { name: string; namespace: string },
    isThisRepo: (repoURL: string) => boolean,
  ): Promise<LiveObjects>;
}

export interface ArgoCdLiveReaderOptions {
  /** `https://argocd.example.com` (the API server's base URL). */
  server: string;
  /** A read-only Argo CD token (an account with `applications, get`). */
  token: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** An item's live object: Argo CD's normalized live state (its ignoreDifferences applied), else the raw one. */
function liveObjectOf(item: unknown): KubeObject | undefined {
  if (!isRecord(item)) return undefined;
  for (const field of ['normalizedLiveState', 'liveState'] as const) {
    const text = item[field];
    if (typeof text !== 'string' || text === '' || text === 'null') continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed) && typeof parsed.kind === 'string') return parsed as KubeObject;
    } catch {
      // A state Argo CD could not serialize is no live object.
    }
  }
  return undefined;
}

/** The body as text, read no further than `maxBytes` (undefined past it): a declared length is not trusted. */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads an application's live objects through Argo CD's API (`GET /api/v1/applications/NAME/managed-resources`),
 * so Argo CD's own normalisation applies. Time and response size are bounded; nothing here throws for an answer
 * Argo CD gives — the caller shows the reason instead of a comparison.
 */
export function createArgoCdLiveReader(options: ArgoCdLiveReaderOptions): LiveReader {
  const doFetch = options.fetch ?? fetch;
  const base = options.server.replace(/\/+$/, '');
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return {
    async liveObjects(app, isThisRepo) {
      const name = encodeURIComponent(app.name);
      const application = await get(`/api/v1/applications/${name}`, app);
      if (application.kind !== 'body') return application.result;
      const spec = isRecord(application.body) && isRecord(application.body.spec) ? application.body.spec : {};
      const sources = [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])];
      const fromHere = sources.some(
        (source) => isRecord(source) && typeof source.repoURL === 'string' && isThisRepo(source.repoURL),
      );
      if (!fromHere) {
        return {
          kind: 'unknown-app',
          reason: `Argo CD's application ${app.namespace}/${app.name} deploys from another repository`,
        };
      }
      const managed = await get(`/api/v1/applications/${name}/managed-resources`, app);
      if (managed.kind !== 'body') return managed.result;
      const items = isRecord(managed.body) && Array.isArray(managed.body.items) ? managed.body.items : [];
      return { kind: 'live', objects: items.flatMap((item) => liveObjectOf(item) ?? []) };
    },
  };

  /** One bounded GET of Argo CD's API: the parsed JSON body, or the result to give instead. */
  async function get(
    path: string,
    app: { name: string; namespace: string },
  ): Promise<{ kind: 'body'; body: unknown } | { kind: 'result'; result: LiveObjects }> {
    const fail = (result: LiveObjects) => ({ kind: 'result' as const, result });
    const url = new URL(`${base}${path}`);
    url.searchParams.set('appNamespace', app.namespace);
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      return fail({ kind: 'unavailable', reason: `Argo CD did not answer: ${(error as Error).message}` });
    }
    if (response.status === 403 || response.status === 404) {
      await response.body?.cancel();
      return fail({
        kind: 'unknown-app',
        reason: `Argo CD has no application ${app.namespace}/${app.name} it lets this token read`,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      return fail({ kind: 'unavailable', reason: `Argo CD answered ${response.status}` });
    }
    const text = await boundedText(response, maxBytes);
    if (text === undefined) {
      return fail({ kind: 'unavailable', reason: `Argo CD's answer is larger than ${maxBytes} bytes` });
    }
    try {
      return { kind: 'body', body: JSON.parse(text) as unknown };
    } catch {
      return fail({ kind: 'unavailable', reason: 'Argo CD answered something other than JSON' });
    }
  }
}
