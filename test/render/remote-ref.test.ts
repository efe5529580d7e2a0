import { describe, expect, it } from 'vitest';
import { isAllowedRemote } from '../../src/render/remote-ref.ts';

describe('isAllowedRemote', () => {
  it.each([
    ['https://github.com/org/repo//base?ref=v1', ['https://github.com/org'], true],
    ['https://github.com/org/repo', ['https://github.com/org/'], true],
    ['https://github.com/org', ['https://github.com/org'], true],
    ['https://charts.example.com/stable', ['https://charts.example.com'], true],
    ['github.com/org/repo/base', ['https://github.com/org'], true],
    ['https://github.com/org-evil/repo', ['https://github.com/org'], false],
    ['https://github.com/organisation/repo', ['https://github.com/org'], false],
    ['https://github.com/org/repo', [], false],
    ['https://github.com/org/repo', [''], false],
    // A host-only prefix continues only with a path: not a longer host, a user-info trick or another port.
    ['https://charts.example.com.evil.com/x', ['https://charts.example.com'], false],
    ['https://charts.example.com@evil.com/x', ['https://charts.example.com'], false],
    ['https://charts.example.com:8443/x', ['https://charts.example.com'], false],
  ])('%s with %j → %s', (ref, allowed, expected) => {
    expect(isAllowedRemote(ref, allowed)).toBe(expected);
  });
});
