/** The part of a BullMQ `Queue` the metrics need, so any queue (plan, deliver, …) can be listed. */
export interface MetricsQueue {
  readonly name: string;
  getJobCounts(...types: JobState[]): Promise<Record<string, number>>;
}

export const METRIC_JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
type JobState = (typeof METRIC_JOB_STATES)[number];

export interface QueueMetricsInput {
  queues: readonly MetricsQueue[];
  redisUp: boolean;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Prometheus text exposition (version 0.0.4): `mergeplane_redis_up`, and per queue and state
 * `mergeplane_queue_jobs`. Counts are read only while Redis is up; a queue that fails to answer is left out
 * and counted in `mergeplane_queue_scrape_errors`, so one broken queue does not hide the others.
 */
export async function renderQueueMetrics(input: QueueMetricsInput): Promise<string> {
  const lines = [
    '# HELP mergeplane_redis_up Whether the queue Redis answers (1) or not (0).',
    '# TYPE mergeplane_redis_up gauge',
    `mergeplane_redis_up ${input.redisUp ? 1 : 0}`,
    '# HELP mergeplane_queue_jobs Jobs per queue and state.',
    '# TYPE mergeplane_queue_jobs gauge',
  ];
  let errors = 0;
  if (input.redisUp) {
    const results = await Promise.allSettled(
      input.queues.map((queue) => queue.getJobCounts(...METRIC_JOB_STATES)),
    );
    results.forEach((result, index) => {
      const queue = input.queues[index]!;
      if (result.status === 'rejected') {
        errors += 1;
        return;
      }
      for (const state of METRIC_JOB_STATES) {
        lines.push(
          `mergeplane_queue_jobs{queue="${label(queue.name)}",state="${state}"} ${result.value[state] ?? 0}`,
        );
      }
    });
  }
  lines.push(
    '# HELP mergeplane_queue_scrape_errors Queues whose counts could not be read in this scrape.',
    '# TYPE mergeplane_queue_scrape_errors gauge',
    `mergeplane_queue_scrape_errors ${errors}`,
  );
  return `${lines.join('\n')}\n`;
}
