import type { Queue } from 'bullmq';

export const DELIVER_METRIC_STATES = [
  'waiting',
  'active',
  'delayed',
  'waiting-children',
  'prioritized',
  'completed',
  'failed',
] as const;

export type DeliverMetricState = (typeof DELIVER_METRIC_STATES)[number];

/** Job counts per state of one queue. */
export interface QueueMetrics {
  queue: string;
  counts: Record<DeliverMetricState, number>;
}

export async function queueMetrics(queue: Queue): Promise<QueueMetrics> {
  const raw = await queue.getJobCounts(...DELIVER_METRIC_STATES);
  const counts = Object.fromEntries(DELIVER_METRIC_STATES.map((state) => [state, raw[state] ?? 0])) as Record<
    DeliverMetricState,
    number
  >;
  return { queue: queue.name, counts };
}

/** Prometheus text exposition: `mergeplane_queue_jobs{queue="…",state="…"} N`. */
export function renderPrometheusMetrics(metrics: readonly QueueMetrics[]): string {
  const lines = [
    '# HELP mergeplane_queue_jobs Jobs in a Mergeplane queue by state.',
    '# TYPE mergeplane_queue_jobs gauge',
  ];
  for (const { queue, counts } of metrics) {
    for (const state of DELIVER_METRIC_STATES) {
      lines.push(`mergeplane_queue_jobs{queue="${queue}",state="${state}"} ${counts[state]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
