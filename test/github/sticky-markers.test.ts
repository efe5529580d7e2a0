import { describe, expect, it } from 'vitest';
import {
  diffStickyMarker,
  formatCommentMarker,
  parseCommentMarker,
} from '../../src/github/sticky-markers.ts';

describe('diffStickyMarker', () => {
  it('formats a hidden marker per pull request and app and recognizes only its own', () => {
    const marker = diffStickyMarker(12, 'argocd/web-app');
    const line = marker.format(2, 3);
    expect(line).toBe('<!-- mergeplane:diff pr=12 app=argocd%2Fweb%2Dapp part=2/3 -->');
    expect(marker.parse(`${line}\n**Part 2 of 3**`)).toBe(2);
    expect(diffStickyMarker(13, 'argocd/web-app').parse(line)).toBeUndefined();
    expect(diffStickyMarker(12, 'argocd/web').parse(line)).toBeUndefined();
    expect(marker.parse(`quoted: ${line}`)).toBeUndefined();
    // Plan and diff markers never match each other.
    expect(parseCommentMarker(line)).toBeUndefined();
    expect(marker.parse(formatCommentMarker({ pr: 12, part: 1, total: 1 }))).toBeUndefined();
  });

  it('cannot be ended early by an application name from the repository', () => {
    const line = diffStickyMarker(1, 'x/a-->b--!><script>').format(1, 1);
    expect(line.indexOf('-->')).toBe(line.length - 3);
    expect(line).not.toContain('<script>');
    expect(line).not.toContain('--!>');
  });

  it('refuses impossible part numbers', () => {
    expect(() => diffStickyMarker(1, 'a/b').format(3, 2)).toThrow(RangeError);
  });
});
