import { describe, expect, it } from 'vitest';
import {
  InvalidPlanJobDataError,
  isPlanCurrent,
  planJobId,
  pullRequestKey,
} from '../../src/queue/plan-job.ts';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('planJobId', () => {
  it.each([
    [{ owner: 'acme', repo: 'gitops', pullNumber: 12, headSha: SHA_A }, `plan-acme--gitops-12-${SHA_A}`],
    [
      { owner: 'Acme', repo: 'GitOps', pullNumber: 12, headSha: SHA_A.toUpperCase() },
      `plan-acme--gitops-12-${SHA_A}`,
    ],
    [
      { owner: 'my-org', repo: 'infra.live_v2', pullNumber: 3, headSha: 'c'.repeat(64) },
      `plan-my-org--infra.live_v2-3-${'c'.repeat(64)}`,
    ],
  ])('%o → %s', (data, id) => {
    expect(planJobId(data)).toBe(id);
    expect(id).not.toContain(':');
  });

  it.each([
    ['owner', { owner: 'ac:me', repo: 'r', pullNumber: 1, headSha: SHA_A }],
    ['repo', { owner: 'acme', repo: 'a/b', pullNumber: 1, headSha: SHA_A }],
    ['repo', { owner: 'acme', repo: '..', pullNumber: 1, headSha: SHA_A }],
    ['pullNumber', { owner: 'acme', repo: 'r', pullNumber: 0, headSha: SHA_A }],
    ['pullNumber', { owner: 'acme', repo: 'r', pullNumber: 1.5, headSha: SHA_A }],
    ['headSha', { owner: 'acme', repo: 'r', pullNumber: 1, headSha: 'main' }],
    ['headSha', { owner: 'acme', repo: 'r', pullNumber: 1, headSha: 'abc123' }],
  ])('rejects a bad %s', (field, data) => {
    expect(() => planJobId(data)).toThrow(
      expect.objectContaining({ name: 'InvalidPlanJobDataError', field }),
    );
    expect(() => planJobId(data)).toThrow(InvalidPlanJobDataError);
  });

  it('keys pull requests case-insensitively', () => {
    expect(pullRequestKey({ owner: 'Acme', repo: 'GitOps', pullNumber: 7 })).toBe('acme/gitops#7');
  });
});

describe('isPlanCurrent', () => {
  it.each([
    [{ headSha: SHA_A, latestHeadSha: SHA_A, closed: false }, true],
    [{ headSha: SHA_A.toUpperCase(), latestHeadSha: SHA_A, closed: false }, true],
    [{ headSha: SHA_A, latestHeadSha: undefined, closed: false }, true],
    [{ headSha: SHA_A, latestHeadSha: SHA_B, closed: false }, false],
    [{ headSha: SHA_A, latestHeadSha: SHA_A, closed: true }, false],
  ])('%o → %s', (state, current) => {
    expect(isPlanCurrent(state)).toBe(current);
  });
});
