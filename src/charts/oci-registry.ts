import { createHash } from 'node:crypto';
import semver from 'semver';
import { isRecord } from '../model/kube-object.ts';
import { selectVersion } from '../model/select-version.ts';
import type { ChartRequest } from '../render/chart-port.ts';
import { ChartFetchError } from '../render/chart-port.ts';
import { basicAuthorization, credentialFor } from './chart-credentials.ts';
import { type GuardedGetOptions, type GuardedResponse, guardedGet } from './guarded-get.ts';
import type { RemoteAccess } from './helm-repository.ts';

const CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** `oci://host/path` or Argo CD's scheme-less `host/path`, with the chart name appended. */
export function ociReference(request: ChartRequest): { host: string; name: string; url: string } {
  const trimmed = request.repoURL.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const host = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const path = slash === -1 ? '' : trimmed.slice(slash + 1);
  const name = path === '' ? request.chart : `${path}/${request.chart}`;
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host) || !NAME.test(name)) {
    throw new ChartFetchError(`${request.repoURL}: not a valid OCI repository for chart ${request.chart}`);
  }
  return { host, name, url: `oci://${host}/${name}` };
}

function parseChallenge(header: string | undefined): Record<string, string> | undefined {
  if (header === undefined || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return params.realm ? params : undefined;
}

function json(response: GuardedResponse, where: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(response.body.toString('utf8'));
    if (isRecord(value)) return value;
  } catch {}
  throw new ChartFetchError(`${where}: the registry answered with something that is not a JSON object`);
}

/**
 * A minimal OCI distribution client for Helm charts: the v2 API with the registry's Bearer token challenge
 * (anonymous, or the server's credentials), tags for semver constraints, the chart layer checked by digest.
 */
export class OciChartClient {
  private token: string | undefined;
  private readonly base: string;
  private readonly ref: { host: string; name: string; url: string };
  private readonly request: ChartRequest;
  private readonly access: RemoteAccess;

  constructor(request: ChartRequest, access: RemoteAccess) {
    this.request = request;
    this.access = access;
    this.ref = ociReference(request);
    const plain = access.policy.allowHttp && access.policy.plainHttpRegistries.includes(this.ref.host);
    this.base = `${plain ? 'http' : 'https'}://${this.ref.host}/v2/${this.ref.name}`;
  }

  private basic(): string | undefined {
    return basicAuthorization(credentialFor(this.ref.url, this.access.credentials));
  }

  private async get(url: string, maxBytes: number, accept?: string): Promise<GuardedResponse> {
    const attempt = (authorization: string | undefined) => {
      const options: GuardedGetOptions = {
        policy: this.access.policy,
        maxBytes,
        timeoutMs: this.access.timeoutMs,
        ...(accept !== undefined ? { headers: { accept } } : {}),
      };
      if (authorization !== undefined) options.authorization = authorization;
      return guardedGet(url, options);
    };
    let response = await attempt(this.token ? `Bearer ${this.token}` : this.basic());
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers['www-authenticate'] as string | undefined);
      if (challenge) {
        this.token = await this.fetchToken(challenge);
        response = await attempt(`Bearer ${this.token}`);
      }
    }
    if (response.status === 401 || response.status === 403) {
      throw new ChartFetchError(`${this.ref.url}: the registry refused access (HTTP ${response.status})`);
    }
    return response;
  }

  private async fetchToken(challenge: Record<string, string>): Promise<string> {
    const realm = new URL(challenge.realm!);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    realm.searchParams.set('scope', challenge.scope ?? `repository:${this.ref.name}:pull`);
    const options: GuardedGetOptions = {
      policy: this.access.policy,
      maxBytes: 64 * 1024,
      timeoutMs: this.access.timeoutMs,
    };
    // The realm is the registry's choice: the registry's credentials go there only on its own host (and scheme);
    // another host gets the credentials configured for it, if any.
    const registry = new URL(this.base);
    const basic =
      realm.origin === registry.origin
        ? this.basic()
        : basicAuthorization(credentialFor(`${realm.origin}${realm.pathname}`, this.access.credentials));
    if (basic !== undefined) options.authorization = basic;
    const response = await guardedGet(realm.href, options);
    if (response.status !== 200)
      throw new ChartFetchError(`${this.ref.url}: token endpoint answered HTTP ${response.status}`);
    const body = json(response, realm.origin);
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new ChartFetchError(`${this.ref.url}: the token endpoint gave no token`);
    return token;
  }

  /** The tag to pull: the exact version, else the highest tag satisfying the constraint (`+` is `_` in tags). */
  async resolveVersion(): Promise<string> {
    const wanted = this.request.version?.trim();
    // An exact version, or a tag that is no semver range (`latest`, `stable`): pulled as named.
    const literal =
      wanted !== undefined && (semver.valid(wanted) !== null || semver.validRange(wanted) === null);
    if (wanted && literal && TAG.test(wanted.replace(/\+/g, '_'))) return wanted;
    const response = await this.get(`${this.base}/tags/list`, this.access.maxIndexBytes);
    if (response.status !== 200)
      throw new ChartFetchError(`${this.ref.url}: listing tags answered HTTP ${response.status}`);
    const tags = json(response, this.ref.url).tags;
    const versions = Array.isArray(tags)
      ? tags.filter((t): t is string => typeof t === 'string').map((t) => t.replace(/_/g, '+'))
      : [];
    const version = selectVersion(versions, wanted);
    if (version === undefined) {
      throw new ChartFetchError(`${this.ref.url}: no tag matches ${JSON.stringify(wanted ?? '*')}`);
    }
    return version;
  }

  async download(version: string): Promise<Buffer> {
    const tag = version.replace(/\+/g, '_');
    if (!TAG.test(tag))
      throw new ChartFetchError(`${this.ref.url}: ${JSON.stringify(version)} is not a valid tag`);
    const manifestResponse = await this.get(
      `${this.base}/manifests/${tag}`,
      this.access.maxIndexBytes,
      MANIFEST_TYPES,
    );
    if (manifestResponse.status === 404)
      throw new ChartFetchError(`${this.ref.url}:${version}: no such chart version in the registry`);
    if (manifestResponse.status !== 200)
      throw new ChartFetchError(
        `${this.ref.url}:${version}: manifest answered HTTP ${manifestResponse.status}`,
      );
    const manifest = json(manifestResponse, this.ref.url);
    const layers = Array.isArray(manifest.layers) ? manifest.layers.filter(isRecord) : [];
    const layer = layers.find((l) => l.mediaType === CHART_LAYER);
    const digest = typeof layer?.digest === 'string' ? layer.digest : undefined;
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new ChartFetchError(
        `${this.ref.url}:${version}: the artifact is not a Helm chart (no ${CHART_LAYER} layer)`,
      );
    }
    const blob = await this.get(`${this.base}/blobs/${digest}`, this.access.maxChartBytes);
    if (blob.status !== 200)
      throw new ChartFetchError(`${this.ref.url}:${version}: chart layer answered HTTP ${blob.status}`);
    const actual = `sha256:${createHash('sha256').update(blob.body).digest('hex')}`;
    if (actual !== digest)
      throw new ChartFetchError(`${this.ref.url}:${version}: layer digest ${actual} is not ${digest}`);
    return blob.body;
  }
}
