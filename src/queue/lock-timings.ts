/** The lock and stalled-job timings given to a worker, as BullMQ worker options (BullMQ's defaults when unset). */
export function lockTimings(o: { lockDuration?: number | undefined; stalledInterval?: number | undefined }): {
  lockDuration?: number;
  stalledInterval?: number;
} {
  return {
    ...(o.lockDuration === undefined ? {} : { lockDuration: o.lockDuration }),
    ...(o.stalledInterval === undefined ? {} : { stalledInterval: o.stalledInterval }),
  };
}
