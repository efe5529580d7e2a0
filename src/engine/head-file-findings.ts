import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import type { CollectedApplications } from '../plan/collect-applications.ts';

/**
 * Findings about files the change touched at head that discovery could not read: invalid YAML fails the
 * `manifests` gate, a file over `discovery.maxFileBytes` needs approval (what it holds is not planned).
 */
export function headFileFindings(
  collected: Pick<CollectedApplications, 'parseErrors' | 'skipped'>,
  changedFiles: readonly string[],
  config: MergeplaneConfig,
): GateFinding[] {
  const findings: GateFinding[] = [];
  for (const parseError of collected.parseErrors) {
    if (!changedFiles.includes(parseError.file)) continue;
    findings.push({
      id: 'manifests',
      message: `${parseError.file}: invalid YAML: ${parseError.message}`,
      file: parseError.file,
      ...(parseError.line !== undefined ? { line: parseError.line } : {}),
    });
  }
  for (const skipped of collected.skipped) {
    if (!changedFiles.includes(skipped.file)) continue;
    findings.push({
      id: 'unsupported',
      status: 'needs-approval',
      message: `${skipped.file}: not read: ${skipped.bytes} bytes is more than discovery.maxFileBytes (${config.discovery.maxFileBytes}); Applications or claims in it are not planned`,
      file: skipped.file,
    });
  }
  return findings;
}
