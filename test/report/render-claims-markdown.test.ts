import { describe, expect, it } from 'vitest';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import type { ClaimReport } from '../../src/model/plan-report.ts';
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

const created: ClaimReport = {
  apiVersion: 'database.mergeplane.io/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'commerce',
  name: 'order-service-db',
  action: 'create',
  composition: 'xpostgresqlinstances.aws.database.mergeplane.io',
  composed: [
    {
      apiVersion: 'rds.aws.upbound.io/v1beta1',
      kind: 'Instance',
      name: 'rds-instance',
      action: 'create',
      fields: [
        { path: 'spec.forProvider.allocatedStorage', before: undefined, after: 50 },
        { path: 'spec.forProvider.instanceClass', before: undefined, after: 'db.m6g.large' },
        { path: 'spec.writeConnectionSecretToRef.name', before: undefined, after: KNOWN_AFTER_APPLY },
      ],
    },
    {
      apiVersion: '',
      kind: '(not predicted)',
      name: 'function-go-templating',
      action: 'unknown',
      fields: 'composed resources not predicted: function function-go-templating',
    },
  ],
  destructive: false,
  summary: { add: 1, change: 0, destroy: 0 },
  connectionSecret: { namespace: 'commerce', name: 'order-service-db-credentials' },
  consumers: ['Deployment commerce/order-service'],
  notes: ['step env: function-environment-configs loads EnvironmentConfigs that were not supplied'],
};

describe('renderClaimsMarkdown', () => {
  it('is empty without claims', () => {
    expect(renderClaimsMarkdown([])).toBe('');
  });

  it('renders an escaped overview row per changed claim and counts the unchanged ones', () => {
    const out = renderClaimsMarkdown([
      claim,
      { ...claim, name: 'cache', action: 'unchanged', composition: undefined, destructive: false },
    ]);
    expect(out).toMatchInlineSnapshot(`
      "#### Provisioning plan

      | Claim | Action | Composition | Destructive |
      | --- | --- | --- | --- |
      | PostgresInstance team-a/orders&#124;db | ➖ delete | postgres-&lt;aws&gt; | ⚠️ yes |

      1 unchanged claim is not shown.

      ⚠️ **delete** PostgresInstance team-a/orders&#124;db via composition \`postgres-<aws>\` — destructive, needs approval"
    `);
  });

  it('renders nothing when no claim changes', () => {
    expect(renderClaimsMarkdown([{ ...claim, action: 'unchanged', destructive: false }])).toBe('');
  });

  it('renders a created claim Terraform-style with its connection secret chain', () => {
    const out = renderClaimsMarkdown([created]);
    expect(out.slice(out.indexOf('**create**'))).toMatchInlineSnapshot(`
      "**create** PostgreSQLInstance commerce/order-service-db via composition \`xpostgresqlinstances.aws.database.mergeplane.io\`

      - ➕ create Instance \`rds-instance\` (\`rds.aws.upbound.io/v1beta1\`)
        - \`spec.forProvider.allocatedStorage\`: \`50\`
        - \`spec.forProvider.instanceClass\`: \`db.m6g.large\`
        - \`spec.writeConnectionSecretToRef.name\`: _(known after apply)_
      - ❔ composed resources not predicted: function function-go-templating
      - 🔑 connection secret: Deployment commerce/order-service ← \`order-service-db-credentials\` ← PostgreSQLInstance commerce/order-service-db
      - ℹ️ step env: function-environment-configs loads EnvironmentConfigs that were not supplied

      Plan: 1 to add, 0 to change, 0 to destroy."
    `);
  });

  it('shows updates as before → after, destroyed and orphaned resources, cluster registration', () => {
    const out = renderClaimsMarkdown([
      {
        ...created,
        action: 'update',
        destructive: true,
        composed: [
          {
            apiVersion: 'rds.aws.upbound.io/v1beta1',
            kind: 'Instance',
            name: 'rds-instance',
            action: 'update',
            fields: [
              { path: 'spec.forProvider.instanceClass', before: 'db.m6g.large', after: 'db.r6g.xlarge' },
            ],
          },
          {
            apiVersion: 'ec2.aws.upbound.io/v1beta1',
            kind: 'SecurityGroup',
            name: 'sg',
            action: 'delete',
            fields: [],
          },
          {
            apiVersion: 'ec2.aws.upbound.io/v1beta1',
            kind: 'Subnet',
            name: 'subnet',
            action: 'orphan',
            fields: [],
          },
        ],
        summary: { add: 0, change: 1, destroy: 1 },
        connectionSecret: { namespace: 'crossplane-system', name: 'kubeconfig' },
        consumers: undefined,
        registersCluster: true,
        notes: undefined,
      },
    ]);
    expect(out.slice(out.indexOf('⚠️ **update**'))).toMatchInlineSnapshot(`
      "⚠️ **update** PostgreSQLInstance commerce/order-service-db via composition \`xpostgresqlinstances.aws.database.mergeplane.io\` — destructive, needs approval

      - ✏️ update Instance \`rds-instance\`
        - \`spec.forProvider.instanceClass\`: \`db.m6g.large\` → \`db.r6g.xlarge\`
      - ➖ destroy SecurityGroup \`sg\` ⚠️
      - 🔓 orphan Subnet \`subnet\`: will be orphaned, not deleted
      - 🔑 connection secret: \`crossplane-system/kubeconfig\` ← PostgreSQLInstance commerce/order-service-db
      - 🌐 registered as an Argo CD cluster once ready

      Plan: 0 to add, 1 to change, 1 to destroy."
    `);
  });

  it('shows an update of an immutable field as blocked, never as a replacement', () => {
    const out = renderClaimsMarkdown([
      {
        ...created,
        action: 'update',
        destructive: false,
        blocked: true,
        composed: [
          {
            apiVersion: 'rds.aws.m.upbound.io/v1beta1',
            kind: 'Instance',
            name: 'rds-instance',
            action: 'blocked',
            fields: [
              {
                path: 'spec.forProvider.engine',
                before: 'postgres',
                after: 'aurora-postgresql',
                immutable: true,
              },
              { path: 'spec.forProvider.instanceClass', before: 'db.m6g.large', after: 'db.r6g.xlarge' },
            ],
          },
        ],
        summary: { add: 0, change: 0, destroy: 0, blocked: 1 },
        connectionSecret: undefined,
        consumers: undefined,
        notes: undefined,
      },
    ]);
    expect(out.slice(out.indexOf('⚠️ **update**'))).toMatchInlineSnapshot(`
      "⚠️ **update** PostgreSQLInstance commerce/order-service-db via composition \`xpostgresqlinstances.aws.database.mergeplane.io\` — blocked update, needs approval

      - ⛔ blocked update of Instance \`rds-instance\`: Crossplane will not replace this resource; the update will be rejected and the claim will stay not synced until the resource is deleted ⚠️
        - \`spec.forProvider.engine\`: \`postgres\` → \`aurora-postgresql\` (immutable)
        - \`spec.forProvider.instanceClass\`: \`db.m6g.large\` → \`db.r6g.xlarge\`

      Plan: 0 to add, 0 to change, 0 to destroy, 1 blocked."
    `);
  });

  it('shows a claim pinned to its revision as deferred, with the change it gets when it moves', () => {
    const out = renderClaimsMarkdown([
      {
        ...created,
        action: 'deferred',
        destructive: false,
        composed: [],
        summary: { add: 0, change: 0, destroy: 0, blocked: 0 },
        deferred: {
          reason:
            'pinned to revision pg-3f2c9a1 (compositionUpdatePolicy Manual); will not change until updated',
          composed: [
            {
              apiVersion: 'rds.aws.m.upbound.io/v1beta1',
              kind: 'Instance',
              name: 'rds-instance',
              action: 'update',
              fields: [{ path: 'spec.forProvider.backupRetentionPeriod', before: 7, after: 14 }],
            },
          ],
          summary: { add: 0, change: 1, destroy: 0, blocked: 0 },
        },
        connectionSecret: undefined,
        consumers: undefined,
        notes: undefined,
      },
    ]);
    expect(out).toContain('| PostgreSQLInstance commerce/order-service-db | ⏸️ deferred |');
    expect(out.slice(out.indexOf('**deferred**'))).toMatchInlineSnapshot(`
      "**deferred** PostgreSQLInstance commerce/order-service-db via composition \`xpostgresqlinstances.aws.database.mergeplane.io\`

      - ⏸️ deferred: pinned to revision pg-3f2c9a1 (compositionUpdatePolicy Manual); will not change until updated. When it moves to the new revision:
        - ✏️ update Instance \`rds-instance\`
          - \`spec.forProvider.backupRetentionPeriod\`: \`7\` → \`14\`
        - then: Plan: 0 to add, 1 to change, 0 to destroy.

      Plan: 0 to add, 0 to change, 0 to destroy."
    `);
  });

  it.each([
    {
      name: 'lists the apps each ApplicationSet creates on a new cluster',
      action: 'create' as const,
      cluster: { name: 'prod-ap' },
      clusterTargets: [
        { applicationSet: 'addons', apps: ['cert-manager-prod-ap', 'external-dns-prod-ap'] },
        { applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] },
      ],
      expected: [
        '- 🌐 registers cluster `prod-ap` (server known after apply) → ApplicationSet `addons` creates `cert-manager-prod-ap`, `external-dns-prod-ap`',
        '- 🌐 registers cluster `prod-ap` (server known after apply) → ApplicationSet `guestbook` creates `guestbook-prod-ap`',
      ],
    },
    {
      name: 'says when no ApplicationSet targets the cluster',
      action: 'update' as const,
      cluster: { name: 'prod-ap', server: 'https://prod-ap.example.com' },
      clusterTargets: [],
      expected: ['- 🌐 registers cluster `prod-ap` once ready; no ApplicationSet targets it'],
    },
    {
      name: 'names only the first apps of a large ApplicationSet',
      action: 'update' as const,
      cluster: { name: 'prod-ap', server: 'https://prod-ap.example.com' },
      clusterTargets: [{ applicationSet: 'tenants', apps: Array.from({ length: 12 }, (_, i) => `t${i}`) }],
      expected: [
        '- 🌐 registers cluster `prod-ap` → ApplicationSet `tenants` generates `t0`, `t1`, `t2`, `t3`, `t4`, `t5`, `t6`, `t7`, `t8`, `t9` and 2 more',
      ],
    },
  ])('$name', ({ action, cluster, clusterTargets, expected }) => {
    const out = renderClaimsMarkdown([
      {
        ...created,
        kind: 'KubernetesCluster',
        name: 'prod-ap',
        action,
        composed: [],
        summary: undefined,
        connectionSecret: undefined,
        consumers: undefined,
        notes: undefined,
        registersCluster: true,
        cluster,
        clusterTargets,
      },
    ]);
    expect(out.split('\n').filter((l) => l.includes('🌐'))).toEqual(expected);
  });

  it('keeps repository text inert: code spans cannot be closed, mentions and HTML are escaped', () => {
    const out = renderClaimsMarkdown([
      {
        ...created,
        name: '@org/team<script>',
        composed: [
          {
            apiVersion: 'x.example.org/v1',
            kind: 'Thing',
            name: 'a`b',
            action: 'create',
            fields: [{ path: 'spec.x', before: undefined, after: '``</details>' }],
          },
        ],
        notes: ['see @admin'],
      },
    ]);
    expect(out).toContain('@\u200borg/team&lt;script&gt;');
    expect(out).toContain('Thing ``a`b``');
    expect(out).toContain('`spec.x`: ``` ``</details> ```');
    expect(out).toContain('ℹ️ see @\u200badmin');
  });

  it('summarizes long field lists and truncates long values', () => {
    const fields = Array.from({ length: 35 }, (_, i) => ({
      path: `spec.f${i}`,
      before: undefined,
      after: 'v'.repeat(200),
    }));
    const out = renderClaimsMarkdown([
      { ...created, composed: [{ apiVersion: 'a.b/v1', kind: 'K', name: 'k', action: 'create', fields }] },
    ]);
    expect(out).toContain('  - … and 5 more fields');
    expect(out).toContain(`\`${'v'.repeat(119)}…\``);
    expect(out).not.toContain('spec.f30');
  });
});
