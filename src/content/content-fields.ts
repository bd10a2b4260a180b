import type { Content } from './content.schema';

/** What a content shows of itself wherever it is shown (its view, a user's export): `id` for `_id`. */
export function contentFields(content: Content) {
  return {
    id: content._id.toHexString(),
    title: content.title,
    status: content.status,
    failureReason: content.failureReason,
    sourceText: content.sourceText,
    posts: content.posts,
    published: content.published,
    media: content.media,
  };
}
