import type { Content } from '../content/content.schema';

/** The content document as the API shows it: `id` instead of `_id`, dates as ISO strings. */
export function toContentView(content: Content) {
  return {
    id: content._id.toHexString(),
    title: content.title,
    status: content.status,
    failureReason: content.failureReason,
    sourceText: content.sourceText,
    posts: content.posts,
    published: content.published,
    media: content.media,
    createdAt: content.createdAt?.toISOString(),
    updatedAt: content.updatedAt?.toISOString(),
  };
}
