import type { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { mergeGroupEntries, parseQueueRef } from '../../src/github/merge-queue-entries.ts';

const sha = (c: string) => c.repeat(40);

/** GitHub's `GET /repos/{owner}/{repo}/git/matching-refs/{ref}`: every ref starting with refs/<ref>. */
function octokitWithRefs(refs: Record<string, string>, asked: string[] = []): Octokit {
  return {
    paginate: async (method: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) =>
      (await method(params)).data,
    rest: {
      git: {
        listMatchingRefs: async ({ ref }: { ref: string }) => {
          asked.push(ref);
          const data = Object.entries(refs)
            .filter(([name]) => name.startsWith(`refs/${ref}`))
            .map(([name, object]) => ({ ref: name, object: { sha: object, type: 'commit' } }));
          return { data };
        },
      },
    },
  } as unknown as Octokit;
}

describe('merge queue entries', () => {
  it('reads the entry branch GitHub names: target branch (slashes allowed), pull request, parent commit', () => {
    expect(parseQueueRef(`refs/heads/gh-readonly-queue/release/2.x/pr-42-${sha('a')}`)).toEqual({
      base: 'release/2.x',
      pullNumber: 42,
      parentSha: sha('a'),
    });
    for (const ref of [
      'refs/heads/main',
      `gh-readonly-queue/main/pr-0-${sha('a')}`,
      `gh-readonly-queue/main/pr-1-abc`,
    ])
      expect(parseQueueRef(ref)).toBeUndefined();
  });

  it('walks from the group’s entry to the base through the entries ahead of it', async () => {
    const asked: string[] = [];
    const octokit = octokitWithRefs(
      {
        [`refs/heads/gh-readonly-queue/main/pr-7-${sha('b')}`]: sha('1'),
        [`refs/heads/gh-readonly-queue/main/pr-8-${sha('1')}`]: sha('2'),
        [`refs/heads/gh-readonly-queue/main/pr-9-${sha('2')}`]: sha('3'),
        // Another target branch's queue is not this group's.
        [`refs/heads/gh-readonly-queue/dev/pr-5-${sha('b')}`]: sha('1'),
      },
      asked,
    );
    const group = await mergeGroupEntries(octokit, {
      owner: 'o',
      repo: 'r',
      headRef: `refs/heads/gh-readonly-queue/main/pr-9-${sha('2')}`,
      headSha: sha('3'),
      baseSha: sha('b'),
    });
    expect(group.incomplete).toBeUndefined();
    expect(group.entries.map((e) => [e.pullNumber, e.sha, e.parentSha])).toEqual([
      [9, sha('3'), sha('2')],
      [8, sha('2'), sha('1')],
      [7, sha('1'), sha('b')],
    ]);
    expect(asked).toEqual(['heads/gh-readonly-queue/main/']);
  });

  it('says where the chain breaks, and asks nothing for a group of one', async () => {
    const broken = await mergeGroupEntries(octokitWithRefs({}), {
      owner: 'o',
      repo: 'r',
      headRef: `refs/heads/gh-readonly-queue/main/pr-9-${sha('2')}`,
      headSha: sha('3'),
      baseSha: sha('b'),
    });
    expect(broken.entries.map((e) => e.pullNumber)).toEqual([9]);
    expect(broken.incomplete).toBe('the queue entry at 2222222 has no entry branch');
    const asked: string[] = [];
    const single = await mergeGroupEntries(octokitWithRefs({}, asked), {
      owner: 'o',
      repo: 'r',
      headRef: `refs/heads/gh-readonly-queue/main/pr-9-${sha('b')}`,
      headSha: sha('3'),
      baseSha: sha('b'),
    });
    expect(single).toEqual({
      entries: [{ base: 'main', pullNumber: 9, parentSha: sha('b'), sha: sha('3') }],
    });
    expect(asked).toEqual([]);
  });
});
