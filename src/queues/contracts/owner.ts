/**
 * Every payload names its owner one way: `userId` (system jobs have none). The seed's helpers
 * for video processing and content generation pass `user: { _id, email }` instead; that shape is
 * accepted where jobs come in (the kernel's add) and where they are read (workers, indexes), so
 * callers written to the seed and jobs queued before this change keep working, and is stored as
 * `userId`. (The email in it is not kept: no job needs it, and the user's document has it.)
 */
export interface SeedOwnerRef {
  _id: string;
  email?: string;
}

/** A payload type as a caller may hand it in: as is, or with the seed's `user` for `userId`. */
export type OwnedInput<P> = P extends { userId: string }
  ? P | (Omit<P, 'userId'> & { user: SeedOwnerRef })
  : P;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `data` with the seed's `user: { _id }` turned into `userId`; anything else as it is. */
export function withOwnerField(data: unknown): unknown {
  if (!isRecord(data) || data.userId !== undefined || !isRecord(data.user)) return data;
  const { user, ...rest } = data;
  return typeof user._id === 'string' ? { ...rest, userId: user._id } : data;
}

/** The owner a payload names (either shape), if any. */
export function ownerOf(payload: unknown): string | undefined {
  const data = withOwnerField(payload);
  return isRecord(data) && typeof data.userId === 'string' ? data.userId : undefined;
}

/** The content item a payload belongs to, if any. */
export function contentOf(payload: unknown): string | undefined {
  const contentId = isRecord(payload) ? payload.contentId : undefined;
  return typeof contentId === 'string' ? contentId : undefined;
}
