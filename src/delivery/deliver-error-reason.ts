import { KubePermanentError } from '../kube/kube-errors.ts';

/** One line for logs and commit statuses: a Kubernetes refusal's own reason, else the error's first line. */
export function deliverErrorReason(error: unknown): string {
  if (error instanceof KubePermanentError) return error.reason;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
