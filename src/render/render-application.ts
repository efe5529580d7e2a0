import type { Application, ApplicationSource } from '../gitops/application.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import type { SourceType } from '../report/plan-report.ts';
import { detectSourceType } from './detect-source-type.ts';
import type { RenderContext } from './render-context.ts';
import { renderDirectory } from './render-directory.ts';
import { UnsupportedSourceError } from './render-error.ts';
import { renderHelm } from './render-helm.ts';
import { renderKustomize } from './render-kustomize.ts';

export interface RenderOutput {
  sourceType: SourceType;
  objects: KubeObject[];
}

/** Sources that produce manifests: a multi-source `ref`-only source just holds value files. */
function rendersManifests(source: ApplicationSource): boolean {
  return source.path !== undefined || source.chart !== undefined;
}

/**
 * Renders every manifest-producing source of an Application with the real tools. Throws RenderError
 * (or a subclass) with a user-facing message; never reads outside `ctx.root`.
 */
export async function renderApplication(app: Application, ctx: RenderContext): Promise<RenderOutput> {
  const sources = app.sources.filter(rendersManifests);
  const objects: KubeObject[] = [];
  const types: SourceType[] = [];
  for (const source of sources) {
    if (source.chart === undefined && !ctx.isThisRepo(source.repoURL)) {
      throw new UnsupportedSourceError(
        `application ${app.name}: source ${source.repoURL} is another repository, which is not fetched`,
      );
    }
    const type = detectSourceType(source, ctx.root);
    types.push(type);
    switch (type) {
      case 'plugin':
        throw new UnsupportedSourceError(
          `application ${app.name}: config management plugins are not supported${
            typeof source.plugin?.name === 'string' ? ` (plugin ${source.plugin.name})` : ''
          }`,
        );
      case 'helm':
        objects.push(...(await renderHelm(app, source, ctx)));
        break;
      case 'kustomize':
        objects.push(...(await renderKustomize(app, source, ctx)));
        break;
      case 'directory':
        objects.push(...(await renderDirectory(app, source, ctx)));
        break;
    }
  }
  const sourceType: SourceType = types.length > 1 ? 'multi' : (types[0] ?? 'directory');
  return { sourceType, objects };
}
