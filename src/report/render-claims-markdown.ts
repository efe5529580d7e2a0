import { escapeInline } from './escape-markdown.ts';
import type { ClaimReport } from './plan-report.ts';

const ACTION_LABEL: Record<ClaimReport['action'], string> = {
  create: '➕ create',
  update: '✏️ update',
  delete: '➖ delete',
  unchanged: 'unchanged',
};

function claimName(claim: ClaimReport): string {
  const where = claim.namespace ? `${claim.namespace}/${claim.name}` : claim.name;
  return `${claim.kind} ${where}`;
}

/**
 * The "Provisioning plan" section for Crossplane claims, or '' when there are none. Claims appear in
 * the order given (the report sorts them).
 */
export function renderClaimsMarkdown(claims: readonly ClaimReport[]): string {
  if (claims.length === 0) return '';
  const lines = [
    '#### Provisioning plan',
    '',
    '| Claim | Action | Composition | Destructive |',
    '| --- | --- | --- | --- |',
  ];
  for (const claim of claims) {
    const cells = [
      escapeInline(claimName(claim)),
      ACTION_LABEL[claim.action] ?? escapeInline(claim.action),
      claim.composition ? escapeInline(claim.composition) : '—',
      claim.destructive ? '⚠️ yes' : 'no',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
