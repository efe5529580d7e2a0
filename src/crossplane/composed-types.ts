/** What predicting a Composition's composed resources produces. */

export const COMPOSITION_RESOURCE_NAME_ANNOTATION = 'crossplane.io/composition-resource-name';
export const PT_INPUT_API_VERSION = 'pt.fn.crossplane.io/v1beta1';

export interface ComposedResource {
  /** The composition resource name (`crossplane.io/composition-resource-name`). */
  name: string;
  object: Record<string, unknown>;
  /** Field paths whose value is only known after apply (their value is KNOWN_AFTER_APPLY). */
  unknownPaths: string[];
}

export interface UnsupportedStep {
  step: string;
  functionName: string;
  reason: string;
}

export interface RenderError {
  /** Composition resource name, or the pipeline step for step-level errors. */
  resource: string;
  /** Index of the failing patch in the resource's expanded patch list. */
  patch?: number;
  message: string;
}

export interface ComposedResult {
  resources: ComposedResource[];
  /** Pipeline steps whose composed resources cannot be predicted offline. */
  unsupported: UnsupportedStep[];
  /** Notes: patches applied after provisioning, missing EnvironmentConfigs, ambiguities. */
  warnings: string[];
  /** Invalid patches or transforms; the targets are marked known after apply. */
  errors: RenderError[];
}
