import { stringMap } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import type { ClusterEntry } from './cluster.ts';

const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A Secret field as the API server stores it: `stringData` is written over `data`. */
function secretField(obj: Record<string, unknown>, key: string): string | undefined {
  const { stringData, data } = obj;
  if (isRecord(stringData) && Object.hasOwn(stringData, key) && typeof stringData[key] === 'string') {
    return stringData[key];
  }
  if (isRecord(data) && Object.hasOwn(data, key) && typeof data[key] === 'string') {
    const encoded = data[key].replace(/\s+/g, '');
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
    return Buffer.from(encoded, 'base64').toString('utf8');
  }
  return undefined;
}

/**
 * The cluster an Argo CD cluster Secret (label `argocd.argoproj.io/secret-type: cluster`) registers, with all
 * its labels and annotations, which the clusters generator exposes; undefined for any other object or a
 * Secret without a server.
 */
export function clusterFromSecret(obj: Record<string, unknown>): ClusterEntry | undefined {
  if (obj.kind !== 'Secret' || !isRecord(obj.metadata)) return undefined;
  const labels = stringMap(obj.metadata.labels);
  if (labels[SECRET_TYPE_LABEL] !== 'cluster') return undefined;
  const server = secretField(obj, 'server');
  if (server === undefined || server === '') return undefined;
  return {
    name: secretField(obj, 'name') ?? '',
    server,
    labels,
    annotations: stringMap(obj.metadata.annotations),
  };
}
