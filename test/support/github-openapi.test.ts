import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fixture from './github-openapi.json' with { type: 'json' };
import {
  assertGitHubRequests,
  GitHubContractError,
  type GitHubContractViolation,
  matchGitHubRequest,
} from './github-openapi.ts';

// The operations the app calls. Kept here independently of the derive script so that a regeneration which
// drops one fails this suite rather than the first test that happens to use it.
const APP_OPERATIONS = [
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
  'issues/delete-comment',
  'reactions/create-for-issue-comment',
  'checks/create',
  'checks/update',
  'checks/list-for-ref',
  'repos/create-commit-status',
  'repos/get-collaborator-permission-level',
  'teams/get-membership-for-user-in-org',
  'pulls/get',
  'pulls/list-files',
  'apps/create-installation-access-token',
  'repos/get-content',
  'repos/get-combined-status-for-ref',
  'apps/get-authenticated',
  'repos/list-pull-requests-associated-with-commit',
];

const API = 'https://api.github.com';
const LOOPBACK = 'http://127.0.0.1:43121';
const GHE = 'https://ghe.example.com/api/v3';
const SHA = 'a'.repeat(40);

function violationOf(run: () => unknown): GitHubContractError {
  try {
    run();
  } catch (error) {
    if (error instanceof GitHubContractError) return error;
    throw error;
  }
  throw new Error('expected a GitHubContractError');
}

describe('matchGitHubRequest', () => {
  it.each<[string, string, string, unknown, string]>([
    [
      'create comment',
      'POST',
      `${API}/repos/o/r/issues/7/comments`,
      { body: 'plan' },
      'issues/create-comment',
    ],
    [
      'lower-case method',
      'post',
      `${API}/repos/o/r/issues/7/comments`,
      { body: 'plan' },
      'issues/create-comment',
    ],
    [
      'body as JSON text',
      'POST',
      `${LOOPBACK}/repos/o/r/issues/7/comments`,
      '{"body":"x"}',
      'issues/create-comment',
    ],
    [
      'body as bytes',
      'POST',
      `${LOOPBACK}/repos/o/r/issues/7/comments`,
      new TextEncoder().encode('{"body":"x"}'),
      'issues/create-comment',
    ],
    ['GHE prefix', 'POST', `${GHE}/repos/o/r/issues/7/comments`, { body: 'plan' }, 'issues/create-comment'],
    ['relative URL', 'POST', '/repos/o/r/issues/7/comments', { body: 'plan' }, 'issues/create-comment'],
    [
      'list comments, query ignored',
      'GET',
      `${LOOPBACK}/repos/o/r/issues/7/comments?per_page=100&page=2`,
      undefined,
      'issues/list-comments',
    ],
    [
      'update comment',
      'PATCH',
      `${API}/repos/o/r/issues/comments/99`,
      { body: 'new' },
      'issues/update-comment',
    ],
    ['delete comment', 'DELETE', `${API}/repos/o/r/issues/comments/99`, undefined, 'issues/delete-comment'],
    [
      'reaction',
      'POST',
      `${API}/repos/o/r/issues/comments/99/reactions`,
      { content: '+1' },
      'reactions/create-for-issue-comment',
    ],
    [
      'commit status pending',
      'POST',
      `${API}/repos/o/r/statuses/${SHA}`,
      { state: 'pending', context: 'mergeplane', description: 'planning', target_url: null },
      'repos/create-commit-status',
    ],
    [
      'check run with annotations',
      'POST',
      `${API}/repos/o/r/check-runs`,
      {
        name: 'mergeplane/plan',
        head_sha: SHA,
        status: 'completed',
        conclusion: 'success',
        output: {
          title: 'Plan',
          summary: '2 applications changed',
          annotations: [
            { path: 'a.yaml', start_line: 1, end_line: 2, annotation_level: 'warning', message: 'm' },
          ],
        },
      },
      'checks/create',
    ],
    [
      'check run update',
      'PATCH',
      `${API}/repos/o/r/check-runs/5`,
      { status: 'completed', conclusion: 'neutral' },
      'checks/update',
    ],
    [
      'check runs for a branch ref',
      'GET',
      `${API}/repos/o/r/commits/heads/main/check-runs`,
      undefined,
      'checks/list-for-ref',
    ],
    [
      'combined status',
      'GET',
      `${API}/repos/o/r/commits/${SHA}/status`,
      undefined,
      'repos/get-combined-status-for-ref',
    ],
    [
      'nested content path',
      'GET',
      `${API}/repos/o/r/contents/.github/mergeplane.yml?ref=main`,
      undefined,
      'repos/get-content',
    ],
    ['pull', 'GET', `${API}/repos/o/r/pulls/3`, undefined, 'pulls/get'],
    ['pull files', 'GET', `${API}/repos/o/r/pulls/3/files?per_page=100`, undefined, 'pulls/list-files'],
    [
      'collaborator permission',
      'GET',
      `${API}/repos/o/r/collaborators/octocat/permission`,
      undefined,
      'repos/get-collaborator-permission-level',
    ],
    [
      'team membership',
      'GET',
      `${API}/orgs/acme/teams/platform/memberships/octocat`,
      undefined,
      'teams/get-membership-for-user-in-org',
    ],
    [
      'installation token',
      'POST',
      `${API}/app/installations/12/access_tokens`,
      undefined,
      'apps/create-installation-access-token',
    ],
    [
      'scoped installation token',
      'POST',
      `${API}/app/installations/12/access_tokens`,
      { repositories: ['r'], permissions: { contents: 'read', checks: 'write' } },
      'apps/create-installation-access-token',
    ],
  ])('accepts %s', (_name, method, url, body, operationId) => {
    expect(matchGitHubRequest(method, url, body)).toEqual({ operationId });
  });

  it('accepts a URL object', () => {
    expect(matchGitHubRequest('GET', new URL(`${API}/repos/o/r/pulls/3`))).toEqual({
      operationId: 'pulls/get',
    });
  });

  it.each<[string, string, string, unknown, GitHubContractViolation, string | undefined]>([
    ['comment without body field', 'POST', `${API}/repos/o/r/issues/7/comments`, {}, 'missing-field', 'body'],
    [
      'comment without any body',
      'POST',
      `${API}/repos/o/r/issues/7/comments`,
      undefined,
      'missing-body',
      undefined,
    ],
    [
      'comment body of wrong type',
      'POST',
      `${API}/repos/o/r/issues/7/comments`,
      { body: 42 },
      'type',
      'body',
    ],
    [
      'body that is not JSON',
      'POST',
      `${API}/repos/o/r/issues/7/comments`,
      '{body',
      'invalid-body',
      undefined,
    ],
    [
      'check run conclusion bogus',
      'POST',
      `${API}/repos/o/r/check-runs`,
      { name: 'mergeplane/plan', head_sha: SHA, conclusion: 'bogus' },
      'enum',
      'conclusion',
    ],
    [
      'check run update conclusion bogus',
      'PATCH',
      `${API}/repos/o/r/check-runs/5`,
      { conclusion: 'bogus' },
      'enum',
      'conclusion',
    ],
    [
      'check run without head_sha',
      'POST',
      `${API}/repos/o/r/check-runs`,
      { name: 'x' },
      'missing-field',
      'head_sha',
    ],
    [
      'check run output without summary',
      'POST',
      `${API}/repos/o/r/check-runs`,
      { name: 'x', head_sha: SHA, output: { title: 'Plan' } },
      'missing-field',
      'output.summary',
    ],
    [
      'annotation level outside the enum',
      'POST',
      `${API}/repos/o/r/check-runs`,
      {
        name: 'x',
        head_sha: SHA,
        output: {
          title: 'Plan',
          summary: 's',
          annotations: [{ path: 'a', start_line: 1, end_line: 1, annotation_level: 'error', message: 'm' }],
        },
      },
      'enum',
      'output.annotations[0].annotation_level',
    ],
    [
      'misspelt field',
      'PATCH',
      `${API}/repos/o/r/check-runs/5`,
      { status: 'completed', conclussion: 'success' },
      'unknown-field',
      'conclussion',
    ],
    [
      'commit status running',
      'POST',
      `${API}/repos/o/r/statuses/${SHA}`,
      { state: 'running' },
      'enum',
      'state',
    ],
    ['commit status as number', 'POST', `${API}/repos/o/r/statuses/${SHA}`, { state: 1 }, 'type', 'state'],
    [
      'reaction outside the enum',
      'POST',
      `${API}/repos/o/r/issues/comments/9/reactions`,
      { content: 'tada' },
      'enum',
      'content',
    ],
    ['unknown path', 'GET', `${API}/repos/o/r/pulls/3/reviews`, undefined, 'unknown-operation', undefined],
    [
      'known path, wrong method',
      'PUT',
      `${API}/repos/o/r/issues/7/comments`,
      { body: 'x' },
      'unknown-operation',
      undefined,
    ],
    [
      'prefix other than /api/v3',
      'GET',
      `${API}/v3/repos/o/r/pulls/3`,
      undefined,
      'unknown-operation',
      undefined,
    ],
    [
      'non-integer issue number',
      'POST',
      `${API}/repos/o/r/issues/undefined/comments`,
      { body: 'x' },
      'path-param',
      undefined,
    ],
  ])('rejects %s', (_name, method, url, body, violation, field) => {
    const error = violationOf(() => matchGitHubRequest(method, url, body));
    expect(error.violation).toBe(violation);
    expect(error.field).toBe(field);
    expect(error.method).toBe(method.toUpperCase());
  });

  it('names the operation in the error once the path is known', () => {
    const error = violationOf(() =>
      matchGitHubRequest('POST', `${API}/repos/o/r/statuses/${SHA}`, { state: 'running' }),
    );
    expect(error.operationId).toBe('repos/create-commit-status');
    expect(error.name).toBe('GitHubContractError');
  });
});

describe('assertGitHubRequests', () => {
  it('passes when every request matches', () => {
    expect(() =>
      assertGitHubRequests([
        { method: 'GET', url: `${LOOPBACK}/repos/o/r/issues/7/comments` },
        { method: 'POST', url: `${LOOPBACK}/repos/o/r/issues/7/comments`, body: { body: 'plan' } },
      ]),
    ).not.toThrow();
  });

  it('reports the first failing request and its position', () => {
    const error = violationOf(() =>
      assertGitHubRequests([
        { method: 'GET', url: `${LOOPBACK}/repos/o/r/issues/7/comments` },
        { method: 'POST', url: `${LOOPBACK}/repos/o/r/statuses/${SHA}`, body: { state: 'running' } },
        { method: 'GET', url: `${LOOPBACK}/nowhere` },
      ]),
    );
    expect(error.violation).toBe('enum');
    expect(error.operationId).toBe('repos/create-commit-status');
    expect(error.detail).toMatch(/^request 2 of 3: /);
  });
});

describe('github-openapi.json fixture', () => {
  it('records the @octokit/openapi version it was derived from', () => {
    expect(fixture.source.package).toBe('@octokit/openapi');
    expect(fixture.source.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(fixture.source.file).toBe('generated/api.github.com.json');
  });

  it('holds every operation the app calls, each with a success status', () => {
    const ids = fixture.operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(expect.arrayContaining([...APP_OPERATIONS].sort()));
    for (const op of fixture.operations) {
      expect(op.successStatus.length, op.operationId).toBeGreaterThan(0);
      expect(op.path.startsWith('/'), op.operationId).toBe(true);
    }
  });

  it('stays compact', () => {
    expect(statSync(new URL('./github-openapi.json', import.meta.url)).size).toBeLessThan(60_000);
  });
});
