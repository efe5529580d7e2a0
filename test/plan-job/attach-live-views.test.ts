import { describe, expect, it } from 'vitest';
import type { LiveObjects, LiveReader } from '../../src/kube/argocd-live-reader.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import type { AppReport } from '../../src/model/plan-report.ts';
import { attachLiveViews } from '../../src/plan-job/attach-live-views.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { planReportOf } from '../support/plan-report-of.ts';

const silent = { debug() {}, info() {}, warn() {} };
const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'shop' },
  data,
});

function app(name: string, status: AppReport['status']): AppReport {
  return {
    name,
    namespace: 'argocd',
    project: 'default',
    origin: `apps/${name}.yaml`,
    destination: { namespace: 'shop' },
    sourceType: 'directory',
    status,
    resources: [],
  };
}

describe('live views of a plan', () => {
  it('compares affected apps Argo CD knows, notes the others, and leaves unaffected apps alone', async () => {
    const asked: string[] = [];
    const answers: Record<string, LiveObjects> = {
      shop: { kind: 'live', objects: [cm({ mode: 'edited by hand' })] },
      fresh: { kind: 'live', objects: [cm({ secret: 'another team’s app of that name' })] },
      flaky: { kind: 'unavailable', reason: 'Argo CD did not answer: timeout' },
    };
    const reader: LiveReader = {
      liveObjects: async ({ name }) => {
        asked.push(name);
        return answers[name]!;
      },
    };
    const head = cm({ mode: 'from git' });
    const result = await attachLiveViews({
      report: planReportOf([
        app('shop', 'changed'),
        app('fresh', 'added'),
        app('flaky', 'changed'),
        app('calm', 'unchanged'),
      ]),
      headObjects: new Map([
        ['argocd/shop', [head]],
        ['argocd/fresh', [head]],
        ['argocd/flaky', [head]],
      ]),
      reader,
      contextLines: 3,
      isThisRepo: () => true,
      logger: silent,
    });
    // An added app is named by the pull request: nothing is read for it.
    expect(asked.sort()).toEqual(['flaky', 'shop']);
    const [shop, fresh, flaky, calm] = result.apps;
    expect(shop!.live).toMatchObject({
      source: 'argocd',
      resources: [{ kind: 'ConfigMap', action: 'update' }],
    });
    expect(fresh!.live).toMatchObject({
      note: expect.stringContaining('Argo CD does not know it yet'),
      resources: [],
    });
    expect(flaky!.live).toEqual({ source: 'argocd', note: 'Argo CD did not answer: timeout', resources: [] });
    expect(calm!.live).toBeUndefined();

    const markdown = renderMarkdown(result);
    expect(markdown).not.toContain('another team');
    expect(markdown).toContain('**Live in the cluster**');
    expect(markdown).toContain('0 identical · 1 would update · 0 would create.');
    expect(markdown).toMatch(/-\s+mode: edited by hand/);
    expect(markdown).toContain('Not compared: Argo CD did not answer: timeout.');
  });
});
