/**
 * Each queue's recent average run time, kept in a small Redis hash `<prefix>:run-times:<queue>`
 * (`averageMs`, `samples` — counted up to RUN_TIME_WARM_UP —, `updatedAt`) as its jobs end (JobIndex.finished) and read by the start
 * estimates. Derived and disposable: lost, it is rebuilt by the next runs.
 *
 * One average per queue, not per job name: a job waits for the jobs ahead of it, whatever their
 * names, and the recent mix of a queue's runs is the best guess of the mix ahead.
 */
export function runTimesKey(prefix: string, queue: string): string {
  return `${prefix}:run-times:${queue}`;
}

/** Weight of the newest run once warmed up: about the last ten runs count. */
export const RUN_TIME_WEIGHT = 0.2;
/** Runs averaged plainly before the weight applies (1/n is above the weight until then). */
export const RUN_TIME_WARM_UP = 5;

export function averageFrom(value: string | null | undefined): number | undefined {
  const average = Number(value);
  return value && Number.isFinite(average) && average >= 0 ? average : undefined;
}
