import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RBAC_FILE, RENDER_RBAC_COMMAND } from '../../scripts/render-rbac.ts';
import { chartRbacYaml } from '../support/chart-rbac.ts';

describe('deploy/rbac.yaml', () => {
  it(`is the chart's RBAC as rendered by helm (regenerate it with \`${RENDER_RBAC_COMMAND}\`)`, () => {
    const committed = readFileSync(RBAC_FILE, 'utf8');
    if (committed !== chartRbacYaml()) {
      expect.fail(
        `deploy/rbac.yaml differs from the chart's rendering: run \`${RENDER_RBAC_COMMAND}\` and commit the result`,
      );
    }
  });
});
