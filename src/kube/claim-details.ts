import {
  type ClaimReadiness,
  composedResourceProblem,
  composedResourceRefs,
  compositeRefOf,
  conditionsOf,
  describeCondition,
  type ObjectReference,
} from './claim-readiness.ts';
import { KubePermanentError, KubeTransientError } from './kube-errors.ts';
import type { KubeObjectClient, KubeRecord, KubeRef } from './kube-object-client.ts';

const MAX_COMPOSED_DETAILS = 20;

export interface ClaimDetailsOptions {
  client: KubeObjectClient;
  /** The claim as last seen (undefined when it does not exist). */
  claim: KubeRecord | undefined;
  readiness: ClaimReadiness;
  claimRef: KubeRef;
}

/** The not-ready story of a claim: its conditions, its composite's (v1 claims), and composed resources not Ready. */
export async function claimDetails(options: ClaimDetailsOptions): Promise<string[]> {
  const { client, claim, readiness, claimRef } = options;
  const details = [...readiness.details];
  if (!claim) return details;
  let composite: KubeRecord | undefined = claim;
  const compositeRef = compositeRefOf(claim);
  if (compositeRef) {
    composite = (await readQuietly(client, compositeRef, claimRef.namespace, details))?.object;
    if (composite) {
      const label = `${compositeRef.kind}/${compositeRef.name}`;
      for (const condition of conditionsOf(composite)) {
        if (condition.status !== 'True') details.push(`${label}: ${describeCondition(condition)}`);
      }
    }
  }
  // A v1 claim's composed resources are listed on its composite; some controllers also mirror them on the claim.
  const seen = new Set<string>();
  const refs = [
    ...composedResourceRefs(composite),
    ...(composite === claim ? [] : composedResourceRefs(claim)),
  ].filter((ref) => {
    const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const ref of refs.slice(0, MAX_COMPOSED_DETAILS)) {
    const read = await readQuietly(client, ref, claimRef.namespace, details);
    if (!read) continue;
    const problem = composedResourceProblem(read.ref, read.object);
    if (problem) details.push(problem);
  }
  if (refs.length > MAX_COMPOSED_DETAILS)
    details.push(`… and ${refs.length - MAX_COMPOSED_DETAILS} more composed resources`);
  return details;
}

/**
 * Reads an object for the details, in its own namespace, the claim's for namespaced kinds without one (v2), or
 * none for cluster scope. A read that fails adds a line instead of failing the delivery (undefined then).
 */
async function readQuietly(
  client: KubeObjectClient,
  ref: ObjectReference,
  claimNamespace: string | undefined,
  details: string[],
): Promise<{ ref: ObjectReference; object: KubeRecord | undefined } | undefined> {
  try {
    const { namespaced } = await client.resolve(ref.apiVersion, ref.kind);
    const namespace = namespaced ? (ref.namespace ?? claimNamespace) : undefined;
    const target: ObjectReference = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      ...(namespace ? { namespace } : {}),
    };
    return { ref: target, object: await client.get(target) };
  } catch (error) {
    if (!(error instanceof KubePermanentError || error instanceof KubeTransientError)) throw error;
    details.push(`${ref.kind}/${ref.name}: cannot read (${error.reason})`);
    return undefined;
  }
}
