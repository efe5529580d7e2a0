/**
 * The Kubernetes version of the bundled schemas (kubernetes-models 5.1.0 is generated from the 1.36 OpenAPI
 * description): the default `validation.kubeVersion`. Bump it with that package.
 */
export const BUNDLED_KUBE_VERSION = '1.36';
