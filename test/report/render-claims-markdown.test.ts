import { describe, expect, it } from 'vitest';
import type { ClaimReport } from '../../src/report/plan-report.ts';
import { renderClaimsMarkdown } from '../../src/report/render-claims-markdown.ts';

const claim: ClaimReport = {
  apiVersion: 'platform.example.org/v1alpha1',
  kind: 'PostgresInstance',
  namespace: 'team-a',
  name: 'orders|db',
  action: 'delete',
  composition: 'postgres-<aws>',
  composed: [],
  destructive: true,
};

describe('renderClaimsMarkdown', () => {
  it('is empty without claims', () => {
    expect(renderClaimsMarkdown([])).toBe('');
  });

  it('renders one escaped table row per claim', () => {
    expect(
      renderClaimsMarkdown([
        claim,
        { ...claim, name: 'cache', action: 'create', composition: undefined, destructive: false },
      ]),
    ).toMatchInlineSnapshot(`
        "#### Provisioning plan

        | Claim | Action | Composition | Destructive |
        | --- | --- | --- | --- |
        | PostgresInstance team-a/orders&#124;db | ➖ delete | postgres-&lt;aws&gt; | ⚠️ yes |
        | PostgresInstance team-a/cache | ➕ create | — | no |"
      `);
  });
});
