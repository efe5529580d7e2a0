import { describe, expect, it } from 'vitest';
import {
  argocdApplicationUrl,
  MAX_STATUS_DESCRIPTION,
  redactCredentials,
  statusDescription,
} from '../../src/github/commit-status.ts';

describe('commit status fields', () => {
  it('keeps a description on one line and within 140 characters, cut with an ellipsis', () => {
    expect(statusDescription('Synced  abc1234\n(Healthy)')).toBe('Synced abc1234 (Healthy)');
    const long = statusDescription(`Degraded: ${'x'.repeat(300)}`);
    expect(long).toHaveLength(MAX_STATUS_DESCRIPTION);
    expect(long.endsWith('…')).toBe(true);
  });

  it('never lets credentials through', () => {
    expect(redactCredentials('GET failed: Authorization: Bearer eyJhbGciOi.x-y_z')).toBe(
      'GET failed: Authorization: Bearer ***',
    );
    expect(redactCredentials('kubeconfig token: s3cr3t-value, password=hunter2')).toBe(
      'kubeconfig token: ***, password=***',
    );
    expect(redactCredentials('clone https://x-access-token:ghs_abc@github.com/o/r failed')).toBe(
      'clone https://***@github.com/o/r failed',
    );
    expect(statusDescription('client-key-data: LS0tLS1CRUdJTi')).toBe('client-key-data: ***');
  });

  it('links to the Argo CD application page only when the UI is configured', () => {
    expect(argocdApplicationUrl('https://argocd.example.com/', { namespace: 'argocd', name: 'web' })).toBe(
      'https://argocd.example.com/applications/argocd/web',
    );
    expect(argocdApplicationUrl(undefined, { namespace: 'argocd', name: 'web' })).toBeUndefined();
  });
});
