import { isRecord } from '../../model/kube-object.ts';
import { sanitizeName } from '../../template/sanitize-name.ts';
import { type ClusterEntry, IN_CLUSTER } from '../cluster.ts';
import { ApplicationSetError } from './application-set-error.ts';
import type { GeneratorState } from './generator-state.ts';
import { isNonEmptySelector, matchesLabelSelector } from './label-selector.ts';
import { newParamSet, type ParamSet } from './param-set.ts';
import { appendTemplatedValues } from './templated-values.ts';

const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

/** Every registered cluster is an Argo CD cluster Secret, which carries the secret-type label. */
function secretLabels(cluster: ClusterEntry): Record<string, string> {
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, cluster.labels);
  if (!Object.hasOwn(labels, SECRET_TYPE_LABEL)) labels[SECRET_TYPE_LABEL] = 'cluster';
  return labels;
}

function copyStrings(source: Record<string, string>): Record<string, unknown> {
  const out = newParamSet();
  for (const [key, value] of Object.entries(source)) if (key !== '__proto__') out[key] = value;
  return out;
}

/**
 * The clusters generator over the config registry and committed cluster Secrets. The local `in-cluster` is
 * added, as Argo CD does, only when no Secret registers it and the generator has no selector.
 */
export function clusterParams(spec: Record<string, unknown>, state: GeneratorState): ParamSet[] {
  const fail = (reason: string): never => {
    throw new ApplicationSetError(state.appSetName, `clusters generator: ${reason}`);
  };
  const { selector, values } = spec;
  if (selector !== undefined && selector !== null && !isRecord(selector)) fail('selector must be an object');
  const result: ParamSet[] = [];
  const clusters = state.context.clusters;
  const hasInClusterSecret = clusters.some((c) => c.server === IN_CLUSTER.server);
  if (!hasInClusterSecret && !isNonEmptySelector(selector)) {
    const params = newParamSet();
    params.name = IN_CLUSTER.name;
    // Argo CD does not sanitize the local cluster's name.
    params.nameNormalized = IN_CLUSTER.name;
    params.server = IN_CLUSTER.server;
    params.project = '';
    appendTemplatedValues(values, params, state);
    result.push(params);
  }
  for (const cluster of clusters) {
    const labels = secretLabels(cluster);
    if (!matchesLabelSelector(selector, labels, fail)) continue;
    const params = newParamSet();
    params.name = cluster.name;
    params.nameNormalized = sanitizeName(cluster.name);
    params.server = cluster.server;
    params.project = '';
    if (state.goTemplate) {
      const metadata = newParamSet();
      if (Object.keys(cluster.annotations).length > 0)
        metadata.annotations = copyStrings(cluster.annotations);
      metadata.labels = copyStrings(labels);
      params.metadata = metadata;
    } else {
      for (const [key, value] of Object.entries(cluster.annotations))
        params[`metadata.annotations.${key}`] = value;
      for (const [key, value] of Object.entries(labels)) params[`metadata.labels.${key}`] = value;
    }
    appendTemplatedValues(values, params, state);
    result.push(params);
  }
  state.checkBudget(result.length);
  if (spec.flatList === true) {
    const flat = newParamSet();
    flat.clusters = result;
    return [flat];
  }
  if (spec.flatList !== undefined && typeof spec.flatList !== 'boolean') fail('flatList must be a boolean');
  return result;
}
