const MAX_RESULT_BYTES = 16 * 1024;

/** Keeps a finished job's result only when it is small; records are listed often. */
export function summarizeResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  const bytes = JSON.stringify(value)?.length ?? 0;
  return bytes <= MAX_RESULT_BYTES ? value : { truncated: true, bytes };
}
