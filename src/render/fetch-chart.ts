import { BlockedAddressError, ChartFetchError, type ChartRequest, type FetchedChart } from './chart-port.ts';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from './render-error.ts';
import type { SourceJob } from './source-job.ts';

/**
 * Fetches a chart (a chart source, or a dependency of a chart in the repository) under the plan's policy: only
 * from repositories the base already uses or config lists; the network policy's refusal is unsafe content, any
 * other failure this app's render error. `what` names it in messages (`chart X@V from R`, `dependency X`).
 */
export async function fetchChart(
  job: SourceJob,
  request: ChartRequest,
  what?: string,
  location: { file?: string } = {},
): Promise<FetchedChart> {
  const prefix = what === undefined ? job.where : `${job.where}: ${what}`;
  const charts = job.ctx.charts;
  if (charts === undefined) {
    throw new UnsupportedSourceError(
      `${prefix}: charts from Helm repositories are not fetched by this planner`,
      location,
    );
  }
  if (!(await charts.approved(request.repoURL))) {
    throw new UnsupportedSourceError(
      `${prefix}: chart repository ${request.repoURL} is new in this change: charts are fetched only from repositories the base revision already uses or render.allowedRemotes lists; approve to accept the plan without this render`,
      location,
    );
  }
  try {
    return await charts.fetcher.fetch(request);
  } catch (error) {
    if (error instanceof BlockedAddressError) {
      throw new UnsafeContentError(`${prefix}: not fetched: ${error.message}`, location, {
        cause: error,
      });
    }
    if (error instanceof ChartFetchError) {
      throw new RenderError(`${prefix}: cannot fetch the chart: ${error.message}`, location, {
        cause: error,
      });
    }
    throw error;
  }
}
