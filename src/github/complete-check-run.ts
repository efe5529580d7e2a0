import type { Octokit } from '@octokit/rest';
import type { CheckRunOutput } from './check-run-output.ts';

/**
 * Completes an existing check run with a plan's result: one update with the conclusion, output and the first
 * annotations, then one per further chunk of annotations (GitHub appends each update's annotations to the run's).
 */
export async function completeCheckRun(
  octokit: Octokit,
  run: { owner: string; repo: string; checkRunId: number },
  { payload, extraAnnotations }: CheckRunOutput,
): Promise<void> {
  const { owner, repo, checkRunId } = run;
  // Update takes neither name nor head_sha: the run already has them.
  const { name: _name, head_sha: _headSha, ...update } = payload;
  await octokit.rest.checks.update({
    owner,
    repo,
    check_run_id: checkRunId,
    ...update,
    completed_at: new Date().toISOString(),
  });
  for (const annotations of extraAnnotations) {
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: checkRunId,
      output: { title: payload.output.title, summary: payload.output.summary, annotations },
    });
  }
}
