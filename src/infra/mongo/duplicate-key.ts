/** MongoDB's (and FerretDB's) error code for an insert or upsert whose `_id` exists already. */
export const DUPLICATE_KEY = 11000;

/**
 * Runs an upsert, and once more if it lost a race: two upserts of a document that does not exist
 * yet both try to insert it, and the loser gets a duplicate key (FerretDB always; MongoDB may).
 * The document exists by then, so the same upsert applies on the second try.
 */
export async function upsertRacing<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if ((error as { code?: number })?.code === DUPLICATE_KEY) return upsert();
    throw error;
  }
}
