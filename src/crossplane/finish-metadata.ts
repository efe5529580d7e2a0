import { isRecord } from '../model/kube-object.ts';
import type { Context, Working } from './apply-composed-patch.ts';
import { COMPOSITION_RESOURCE_NAME_ANNOTATION } from './composed-types.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';

/** What Crossplane sets on every composed resource: its composition resource name, namespace and generated name. */
export function finishMetadata(ctx: Context, w: Working, named: boolean): void {
  const metadata = isRecord(w.object.metadata) ? w.object.metadata : {};
  w.object.metadata = metadata;
  if (named) {
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    annotations[COMPOSITION_RESOURCE_NAME_ANNOTATION] = w.name;
    metadata.annotations = annotations;
  }
  // Namespaced (v2) XRs compose into their own namespace.
  const xrMetadata = isRecord(ctx.composite.metadata) ? ctx.composite.metadata : {};
  if (typeof xrMetadata.namespace === 'string' && metadata.namespace === undefined) {
    metadata.namespace = xrMetadata.namespace;
  }
  // Crossplane generates `<xr name>-<suffix>` when the template does not name the resource.
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    metadata.name = KNOWN_AFTER_APPLY;
    w.unknown.add('metadata.name');
  }
}
