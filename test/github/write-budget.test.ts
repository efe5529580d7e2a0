import { describe, expect, it } from 'vitest';
import { createWriteBudget } from '../../src/github/write-budget.ts';

describe('createWriteBudget', () => {
  it('lets perMinute writes of one installation through in any minute, each installation its own', () => {
    let now = 0;
    const budget = createWriteBudget({ perMinute: 2, now: () => now });
    expect([budget.take('1'), budget.take('1'), budget.take('1'), budget.take('2')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    now = 59_999;
    expect(budget.take('1')).toBe(false);
    // A minute after the first two, both slots are free again.
    now = 60_000;
    expect([budget.take('1'), budget.take('1'), budget.take('1')]).toEqual([true, true, false]);
  });
});
