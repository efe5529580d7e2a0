import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommentMarker,
  diffStickyMarker,
  formatCommentMarker,
  parseCommentMarker,
} from '../../src/github/sticky-markers.ts';
import { PlanCommentWriteError, upsertPlanComment } from '../../src/github/upsert-plan-comment.ts';
import { CommentSplitError } from '../../src/report/split-comment.ts';
import { assertGitHubRequests, type GitHubRequest } from '../support/github-openapi.ts';

const API = 'https://api.github.com';
const OWNER = 'acme';
const REPO = 'gitops';
const PR = 12;
const APP = 'mergeplane[bot]';
const LIST = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`;
const commentPath = (id: number) => `/repos/${OWNER}/${REPO}/issues/comments/${id}`;
const htmlUrl = (id: number) => `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${id}`;

const PLAN = '## Mergeplane plan\n\n1 app changed: `api` (1 update).\n';
const PLAN_V2 = '## Mergeplane plan\n\n1 app changed: `api` (2 updates).\n';

interface Comment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

function comment(id: number, body: string, login = APP): Comment {
  return { id, body, html_url: htmlUrl(id), user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } };
}

/** The body the App writes for a one-part plan. */
function single(markdown: string): string {
  return `${formatCommentMarker({ pr: PR, part: 1, total: 1 })}\n\n${markdown}`;
}

/** Sections of prose, long enough to need three parts at a 2,000-character limit. */
function longPlan(): string {
  const prose = 'The rendered manifests of this application differ from the base revision. '.repeat(5);
  return Array.from({ length: 12 }, (_, i) => `### app-${i + 1}\n\n${prose.trim()}\n`).join('\n');
}

let requests: GitHubRequest[] = [];
let unmatched: string[] = [];

/** A scope on the GitHub API that records every request it answers, for the OpenAPI oracle. */
function github(): nock.Scope {
  const scope = nock(API);
  // nock 15 hands listeners the Fetch API `Request` and the body already read as a string.
  scope.on('request', (request: Request, _interceptor: unknown, body: string) => {
    requests.push({ method: request.method, url: request.url, body });
  });
  return scope;
}

function octokit(): Octokit {
  return new Octokit({ auth: 'token', request: { retries: 0 } });
}

function upsert(
  markdown: string,
  extra: Partial<
    Pick<Parameters<typeof upsertPlanComment>[0], 'limit' | 'appUserLogin' | 'marker' | 'createIfMissing'>
  > = {},
) {
  return upsertPlanComment({
    octokit: octokit(),
    owner: OWNER,
    repo: REPO,
    issueNumber: PR,
    markdown,
    appUserLogin: APP,
    ...extra,
  });
}

/** Method and path of every request, in order. */
function calls(): string[] {
  return requests.map(({ method, url }) => `${method} ${new URL(url).pathname}`);
}

function bodies(method: string): string[] {
  return requests
    .filter((r) => r.method === method)
    .map((r) => (JSON.parse(String(r.body)) as { body: string }).body);
}

const onNoMatch = (request: Request) => unmatched.push(`${request.method} ${request.url}`);

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
});

beforeEach(() => {
  nock.cleanAll();
  requests = [];
  unmatched = [];
});

afterEach(() => {
  // Every mock used, nothing unexpected asked, and every request valid against GitHub's OpenAPI.
  expect(nock.pendingMocks()).toEqual([]);
  expect(nock.isDone()).toBe(true);
  expect(unmatched).toEqual([]);
  assertGitHubRequests(requests);
  for (const { method, url } of requests) {
    if (method === 'GET') expect(new URL(url).searchParams.get('per_page')).toBe('100');
  }
});

afterAll(() => {
  nock.emitter.off('no match', onNoMatch);
  nock.enableNetConnect();
});

describe('comment markers', () => {
  it('formats and parses a marker', () => {
    const marker: CommentMarker = { pr: 12, part: 2, total: 3 };
    expect(formatCommentMarker(marker)).toBe('<!-- mergeplane:plan pr=12 part=2/3 -->');
    expect(parseCommentMarker(`${formatCommentMarker(marker)}\n\nbody`)).toEqual(marker);
  });

  it.each([
    ['marker alone', '<!-- mergeplane:plan pr=7 part=1/1 -->', { pr: 7, part: 1, total: 1 }],
    ['CRLF after the marker', '<!-- mergeplane:plan pr=7 part=1/2 -->\r\nx', { pr: 7, part: 1, total: 2 }],
    ['marker after user text', 'see <!-- mergeplane:plan pr=7 part=1/1 -->', undefined],
    ['marker on a later line', 'quote:\n<!-- mergeplane:plan pr=7 part=1/1 -->', undefined],
    ['leading space', ' <!-- mergeplane:plan pr=7 part=1/1 -->', undefined],
    ['text right after the marker', '<!-- mergeplane:plan pr=7 part=1/1 -->x', undefined],
    ['part beyond total', '<!-- mergeplane:plan pr=7 part=3/2 -->', undefined],
    ['part zero', '<!-- mergeplane:plan pr=7 part=0/2 -->', undefined],
    ['leading zero', '<!-- mergeplane:plan pr=07 part=1/1 -->', undefined],
    ['other tool', '<!-- mergeplane:apply pr=7 part=1/1 -->', undefined],
    ['empty', '', undefined],
    ['null body', null, undefined],
  ])('%s', (_name, body, expected) => {
    expect(parseCommentMarker(body)).toEqual(expected);
  });

  it('refuses to format an impossible marker', () => {
    expect(() => formatCommentMarker({ pr: 1, part: 2, total: 1 })).toThrow(RangeError);
    expect(() => formatCommentMarker({ pr: 0, part: 1, total: 1 })).toThrow(RangeError);
  });
});

describe('upsertPlanComment', () => {
  it('creates one comment on the first run', async () => {
    const scope = github()
      .get(LIST)
      .query({ per_page: 100 })
      .reply(200, [comment(1, 'LGTM', 'octocat')])
      .post(LIST)
      .reply(201, comment(2, single(PLAN)));

    const result = await upsert(PLAN);

    scope.done();
    expect(result).toEqual({ created: 1, updated: 0, deleted: 0, unchanged: 0, urls: [htmlUrl(2)] });
    expect(calls()).toEqual([`GET ${LIST}`, `POST ${LIST}`]);
    expect(bodies('POST')).toMatchInlineSnapshot(`
      [
        "<!-- mergeplane:plan pr=12 part=1/1 -->

      ## Mergeplane plan

      1 app changed: \`api\` (1 update).
      ",
      ]
    `);
  });

  it('makes no write when a second run has the same text', async () => {
    const first = github().get(LIST).query(true).reply(200, []).post(LIST).reply(201, comment(2, 'created'));
    await upsert(PLAN);
    first.done();
    const [written] = bodies('POST');

    const second = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(1, 'LGTM', 'octocat'), comment(2, written!)]);
    const result = await upsert(PLAN);

    second.done();
    expect(result).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: 1, urls: [htmlUrl(2)] });
    expect(calls()).toEqual([`GET ${LIST}`, `POST ${LIST}`, `GET ${LIST}`]);
  });

  it('treats CRLF line ends returned by GitHub as unchanged text', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(2, single(PLAN).replace(/\n/g, '\r\n'))]);

    expect(await upsert(PLAN)).toMatchObject({ unchanged: 1, updated: 0 });
    scope.done();
  });

  it('updates the comment in place when the plan changed', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(2, single(PLAN))])
      .patch(commentPath(2))
      .reply(200, comment(2, single(PLAN_V2)));

    const result = await upsert(PLAN_V2);

    scope.done();
    expect(result).toEqual({ created: 0, updated: 1, deleted: 0, unchanged: 0, urls: [htmlUrl(2)] });
    expect(calls()).toEqual([`GET ${LIST}`, `PATCH ${commentPath(2)}`]);
    expect(bodies('PATCH')).toEqual([single(PLAN_V2)]);
  });

  it('creates the parts of a long plan in order', async () => {
    const markdown = longPlan();
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [])
      .post(LIST)
      .reply(201, comment(11, 'part 1'))
      .post(LIST)
      .reply(201, comment(12, 'part 2'))
      .post(LIST)
      .reply(201, comment(13, 'part 3'));

    const result = await upsert(markdown, { limit: 2000 });

    scope.done();
    expect(result).toEqual({
      created: 3,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      urls: [htmlUrl(11), htmlUrl(12), htmlUrl(13)],
    });
    const posted = bodies('POST');
    expect(posted.map((body) => parseCommentMarker(body))).toEqual(
      [1, 2, 3].map((part) => ({ pr: PR, part, total: 3 })),
    );
    posted.forEach((body, i) => {
      expect(body.length).toBeLessThanOrEqual(2000);
      expect(body.split('\n')[1]).toBe(`**Part ${i + 1} of 3**`);
    });
    // Headers aside, the parts are the plan cut at section boundaries.
    expect(posted.map((body) => body.split('\n').slice(3).join('\n')).join('')).toBe(markdown);
  });

  it('updates part 1 and deletes parts 2 and 3 when the plan shrinks to one part', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [
        comment(11, `${formatCommentMarker({ pr: PR, part: 1, total: 3 })}\n**Part 1 of 3**\n\nold`),
        comment(20, 'a review question', 'octocat'),
        comment(12, `${formatCommentMarker({ pr: PR, part: 2, total: 3 })}\n**Part 2 of 3**\n\nold`),
        comment(13, `${formatCommentMarker({ pr: PR, part: 3, total: 3 })}\n**Part 3 of 3**\n\nold`),
      ])
      .patch(commentPath(11))
      .reply(200, comment(11, single(PLAN)))
      .delete(commentPath(12))
      .reply(204)
      .delete(commentPath(13))
      .reply(204);

    const result = await upsert(PLAN);

    scope.done();
    expect(result).toEqual({ created: 0, updated: 1, deleted: 2, unchanged: 0, urls: [htmlUrl(11)] });
    expect(calls()).toEqual([
      `GET ${LIST}`,
      `PATCH ${commentPath(11)}`,
      `DELETE ${commentPath(12)}`,
      `DELETE ${commentPath(13)}`,
    ]);
    expect(bodies('PATCH')).toEqual([single(PLAN)]);
  });

  it('ignores comments by others, quoted markers and markers of another pull request', async () => {
    const ours = single(PLAN);
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [
        comment(1, ours, 'octocat'),
        comment(2, `Why does the bot write\n${ours}`, 'octocat'),
        comment(3, ours, 'other-app[bot]'),
        comment(4, `> quoting the bot\n${ours}`),
        comment(5, `${formatCommentMarker({ pr: 13, part: 1, total: 1 })}\n\n${PLAN}`),
      ])
      .post(LIST)
      .reply(201, comment(6, ours));

    const result = await upsert(PLAN);

    scope.done();
    expect(result).toEqual({ created: 1, updated: 0, deleted: 0, unchanged: 0, urls: [htmlUrl(6)] });
    expect(calls()).toEqual([`GET ${LIST}`, `POST ${LIST}`]);
  });

  it('matches the app login case-insensitively', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(2, single(PLAN), 'Mergeplane[bot]')]);

    expect(await upsert(PLAN)).toMatchObject({ unchanged: 1, created: 0 });
    scope.done();
  });

  it('follows pagination to find the plan comment on page 2', async () => {
    const others = Array.from({ length: 100 }, (_, i) => comment(100 + i, `comment ${i}`, 'octocat'));
    // GitHub's own links often point at /repositories/{id}/…, a path the OpenAPI description does not
    // list; the canonical path keeps every request checkable by the oracle.
    const page = (n: number) => `${API}${LIST}?per_page=100&page=${n}`;
    const scope = github()
      .get(LIST)
      .query({ per_page: 100 })
      .reply(200, others, { link: `<${page(2)}>; rel="next", <${page(2)}>; rel="last"` })
      .get(LIST)
      .query({ per_page: 100, page: 2 })
      .reply(200, [comment(300, single(PLAN))], {
        link: `<${page(1)}>; rel="prev", <${page(1)}>; rel="first"`,
      });

    const result = await upsert(PLAN);

    scope.done();
    expect(result).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: 1, urls: [htmlUrl(300)] });
    expect(requests.map(({ method, url }) => `${method} ${url}`)).toEqual([
      `GET ${page(1).replace('&page=1', '')}`,
      `GET ${page(2)}`,
    ]);
  });

  it('grows from one part to three: updates part 1, creates parts 2 and 3', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(11, single(PLAN))])
      .patch(commentPath(11))
      .reply(200, comment(11, 'part 1'))
      .post(LIST)
      .reply(201, comment(12, 'part 2'))
      .post(LIST)
      .reply(201, comment(13, 'part 3'));

    const result = await upsert(longPlan(), { limit: 2000 });

    scope.done();
    expect(result).toEqual({
      created: 2,
      updated: 1,
      deleted: 0,
      unchanged: 0,
      urls: [htmlUrl(11), htmlUrl(12), htmlUrl(13)],
    });
    expect(bodies('POST').map((body) => parseCommentMarker(body)?.part)).toEqual([2, 3]);
  });

  it('keeps the oldest of duplicated parts and deletes the rest', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [comment(21, single(PLAN)), comment(22, single(PLAN))])
      .delete(commentPath(22))
      .reply(204);

    expect(await upsert(PLAN)).toEqual({
      created: 0,
      updated: 0,
      deleted: 1,
      unchanged: 1,
      urls: [htmlUrl(21)],
    });
    scope.done();
  });

  it('counts a stale part that is already gone (404) as done', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [
        comment(11, `${formatCommentMarker({ pr: PR, part: 1, total: 2 })}\n**Part 1 of 2**\n\nold`),
        comment(12, `${formatCommentMarker({ pr: PR, part: 2, total: 2 })}\n**Part 2 of 2**\n\nold`),
      ])
      .patch(commentPath(11))
      .reply(200, comment(11, single(PLAN)))
      .delete(commentPath(12))
      .reply(404, { message: 'Not Found' });

    expect(await upsert(PLAN)).toEqual({
      created: 0,
      updated: 1,
      deleted: 0,
      unchanged: 0,
      urls: [htmlUrl(11)],
    });
    scope.done();
  });

  it('reports a failed write as PlanCommentWriteError with the progress so far', async () => {
    const scope = github()
      .get(LIST)
      .query(true)
      .reply(200, [])
      .post(LIST)
      .reply(201, comment(11, 'part 1'))
      .post(LIST)
      .reply(403, { message: 'Resource not accessible by integration' });

    const error = await upsert(longPlan(), { limit: 2000 }).catch((e: unknown) => e);

    scope.done();
    expect(error).toBeInstanceOf(PlanCommentWriteError);
    expect(error).toMatchObject({
      step: 'create',
      status: 403,
      progress: { created: 1, updated: 0, deleted: 0, unchanged: 0, urls: [htmlUrl(11)] },
    });
  });

  it('rejects a limit too small for any content before sending a request', async () => {
    await expect(upsert(PLAN, { limit: 10 })).rejects.toBeInstanceOf(CommentSplitError);
    expect(requests).toEqual([]);
  });
});

describe('sticky comments other than the plan', () => {
  const web = diffStickyMarker(PR, 'argocd/web');

  it("keeps a diff comment apart from the plan comment and from another app's diff", async () => {
    const webBody = `${web.format(1, 1)}\n\nold diff`;
    github()
      .get(LIST)
      .query({ per_page: 100 })
      .reply(200, [
        comment(1, single(PLAN)),
        comment(2, `${diffStickyMarker(PR, 'argocd/api').format(1, 1)}\n\napi diff`),
        comment(3, webBody),
      ])
      .patch(commentPath(3))
      .reply(200, comment(3, 'x'));

    const result = await upsert('new diff', { marker: web });
    expect(result).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    expect(bodies('PATCH')).toEqual([`${web.format(1, 1)}\n\nnew diff`]);
  });

  it('writes nothing when told not to create and no part exists', async () => {
    github()
      .get(LIST)
      .query({ per_page: 100 })
      .reply(200, [comment(2, `${web.format(1, 1)}\n\ndiff`)]);
    expect(await upsert('one line', { createIfMissing: false })).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      urls: [],
    });
    expect(calls()).toEqual([`GET ${LIST}`]);
  });

  it('replaces an existing plan with the new text when told not to create', async () => {
    github()
      .get(LIST)
      .query({ per_page: 100 })
      .reply(200, [
        comment(1, single(PLAN)),
        comment(4, `${formatCommentMarker({ pr: PR, part: 2, total: 2 })}\n\nrest`),
      ])
      .patch(commentPath(1))
      .reply(200, comment(1, 'x'))
      .delete(commentPath(4))
      .reply(204);
    const result = await upsert('one line', { createIfMissing: false });
    expect(result).toMatchObject({ created: 0, updated: 1, deleted: 1 });
    expect(bodies('PATCH')).toEqual([single('one line')]);
  });
});
