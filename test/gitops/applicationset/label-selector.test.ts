import { describe, expect, it } from 'vitest';
import { matchesLabelSelector } from '../../../src/gitops/applicationset/label-selector.ts';

const labels = { environment: 'staging', tier: 'gold', url: 'https://1.2.3.4' };
const fail = (reason: string): never => {
  throw new Error(reason);
};

describe('matchesLabelSelector', () => {
  it.each([
    ['no selector', undefined, true],
    ['empty selector', {}, true],
    ['matchLabels hit', { matchLabels: { environment: 'staging' } }, true],
    ['matchLabels miss', { matchLabels: { environment: 'prod' } }, false],
    ['matchLabels on a URL value', { matchLabels: { url: 'https://1.2.3.4' } }, true],
    [
      'In hit',
      { matchExpressions: [{ key: 'environment', operator: 'In', values: ['dev', 'staging'] }] },
      true,
    ],
    ['In miss', { matchExpressions: [{ key: 'environment', operator: 'In', values: ['dev'] }] }, false],
    ['In on an absent key', { matchExpressions: [{ key: 'nope', operator: 'In', values: ['x'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'environment', operator: 'NotIn', values: ['prod'] }] }, true],
    [
      'NotIn miss',
      { matchExpressions: [{ key: 'environment', operator: 'NotIn', values: ['staging'] }] },
      false,
    ],
    [
      'NotIn on an absent key',
      { matchExpressions: [{ key: 'nope', operator: 'NotIn', values: ['x'] }] },
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['Exists on an absent key', { matchExpressions: [{ key: 'nope', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, true],
    [
      'DoesNotExist on a present key',
      { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
      false,
    ],
    [
      'all requirements must hold',
      {
        matchLabels: { tier: 'gold' },
        matchExpressions: [{ key: 'environment', operator: 'In', values: ['prod'] }],
      },
      false,
    ],
  ])('%s', (_label, selector, expected) => {
    expect(matchesLabelSelector(selector, labels, fail)).toBe(expected);
  });

  it.each([
    [
      'an unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      /operator "Gt"/,
    ],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, /non-empty/],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      /must be empty/,
    ],
  ])('rejects %s', (_label, selector, message) => {
    expect(() => matchesLabelSelector(selector, labels, fail)).toThrow(message);
  });
});
