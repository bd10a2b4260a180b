/**
 * Runs `work` over `items`, `size` at a time (FerretDB answers `_id` reads and deletes one by one:
 * in parallel, but not a thousand at once). Results in the order of `items`.
 */
export async function inBatches<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  size = 50,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}
