import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  classifyKubeError,
  httpStatusOf,
  isConflict,
  isNotFound,
  KubePermanentError,
  KubeTransientError,
} from '../../src/kube/kube-errors.ts';

function apiError(code: number, message?: string): ApiException<unknown> {
  const body = message === undefined ? undefined : JSON.stringify({ kind: 'Status', message, code });
  return new ApiException(code, 'Unsuccessful HTTP Request', body, {});
}

describe('classifyKubeError', () => {
  it.each([
    [403, KubePermanentError],
    [422, KubePermanentError],
    [400, KubePermanentError],
    [404, KubePermanentError],
    [409, KubeTransientError],
    [429, KubeTransientError],
    [500, KubeTransientError],
    [503, KubeTransientError],
  ])('HTTP %i → %o', (code, type) => {
    const error = classifyKubeError(apiError(code), 'patch Application argocd/web');
    expect(error).toBeInstanceOf(type);
    expect(error.status).toBe(code);
    expect(error.reason).toBe(`patch Application argocd/web: HTTP ${code}`);
  });

  it("keeps the API server's Status message", () => {
    const error = classifyKubeError(
      apiError(403, 'applications.argoproj.io "web" is forbidden: User "mergeplane" cannot patch resource'),
      'patch Application argocd/web',
    );
    expect(error.reason).toBe(
      'patch Application argocd/web: HTTP 403 (applications.argoproj.io "web" is forbidden: User "mergeplane" cannot patch resource)',
    );
  });

  it('treats network failures and a refused watch by their nature', () => {
    const network = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const classified = classifyKubeError(network, 'watch Application argocd/web');
    expect(classified).toBeInstanceOf(KubeTransientError);
    expect(classified.reason).toBe('watch Application argocd/web: network error (ECONNREFUSED)');
    const refusedWatch = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    expect(classifyKubeError(refusedWatch, 'watch')).toBeInstanceOf(KubePermanentError);
    expect(httpStatusOf(refusedWatch)).toBe(403);
    expect(
      classifyKubeError(new Error('Unrecognized API version and kind: x.io/v1 Thing'), 'read'),
    ).toBeInstanceOf(KubePermanentError);
  });

  it('passes typed errors through and answers the common status questions', () => {
    const typed = new KubeTransientError('already typed');
    expect(classifyKubeError(typed, 'x')).toBe(typed);
    expect(isNotFound(apiError(404))).toBe(true);
    expect(isConflict(apiError(409))).toBe(true);
    expect(isNotFound(new Error('other'))).toBe(false);
  });
});
