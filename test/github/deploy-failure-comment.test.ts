import { describe, expect, it } from 'vitest';
import { renderDeployFailureComment } from '../../src/github/deploy-failure-comment.ts';

describe('renderDeployFailureComment', () => {
  it('lists what failed and what did not start, and how to retry', () => {
    const body = renderDeployFailureComment({
      mergeSha: '135d32643fc37b3436dad4f421da5aa2b2bc3aaf',
      attempt: 1,
      failures: [
        {
          label: 'KubernetesCluster platform/prod-sa',
          context: 'mergeplane/claim: platform/prod-sa',
          kind: 'failed',
          reason: 'timed out after 900s: Ready=False (Creating): token: abc',
        },
        {
          label: 'app guestbook-prod-sa',
          context: 'mergeplane/sync: guestbook-prod-sa',
          kind: 'not-started',
          reason: 'not started: KubernetesCluster platform/prod-sa failed',
          targetUrl: 'https://argocd.example.com/applications/argocd/guestbook-prod-sa',
        },
      ],
    });
    expect(body).toMatchInlineSnapshot(`
      "<!-- mergeplane:deploy-failure sha=135d32643fc37b3436dad4f421da5aa2b2bc3aaf attempt=1 -->
      ### :x: Mergeplane: delivery of 135d326 failed

      **Failed** (1):
      - **KubernetesCluster platform/prod-sa**: timed out after 900s: Ready=False (Creating): token: &#42;&#42;&#42;

      **Not started** (1):
      - **[app guestbook-prod-sa](https://argocd.example.com/applications/argocd/guestbook-prod-sa)**: not started: KubernetesCluster platform/prod-sa failed

      Fix the cause (or wait for a transient problem to pass), then comment \`/mergeplane retry\` on this pull request: only the failed and not started jobs run again; what succeeded is not repeated."
    `);
  });
});
