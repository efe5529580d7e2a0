import { invalid } from './fake-kube-api-error.ts';
import { isRecord, type KubeRecord, metadataOf } from './json-values.ts';
import type { ResolvedResourceType } from './resource-types.ts';

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What the real server does to built-in kinds on every write: a Secret's `stringData` is folded into
 * base64 `data` (and never stored), `data` must be base64, `type` defaults to Opaque; a new Namespace is
 * Active.
 */
export function normalizeBuiltin(type: ResolvedResourceType, object: KubeRecord, creating: boolean): void {
  if (type.group !== '') return;
  const name = String(metadataOf(object).name ?? '');
  if (type.kind === 'Secret') {
    const data: KubeRecord = isRecord(object.data) ? { ...object.data } : {};
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string' || !base64.test(value)) {
        throw invalid(
          'Secret',
          name,
          `data[${key}]`,
          'Invalid value: "<secret contents redacted>": illegal base64 data',
        );
      }
    }
    if (isRecord(object.stringData)) {
      for (const [key, value] of Object.entries(object.stringData)) {
        data[key] = Buffer.from(String(value), 'utf8').toString('base64');
      }
    }
    delete object.stringData;
    if (Object.keys(data).length > 0) object.data = data;
    else delete object.data;
    if (typeof object.type !== 'string' || object.type === '') object.type = 'Opaque';
  }
  if (type.kind === 'Namespace' && creating) {
    object.spec = { finalizers: ['kubernetes'] };
    object.status = { phase: 'Active' };
  }
}
