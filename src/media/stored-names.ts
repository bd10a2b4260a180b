/**
 * An upload as the API names it: `<content id>/upload<video extension>` (the content has that
 * id). Uploads from before object storage (`<24 random hex>.<ext>`, at the top) and operators'
 * imports have other shapes, and are never taken for an orphan.
 */
const UPLOAD_NAME = /^([0-9a-f]{24})\/upload\.[a-z0-9]{1,5}$/;
/** A produced file: `<content id>/<name>`. */
const MEDIA_NAME = /^([0-9a-f]{24})\//;

/** The key an upload for content `contentId` is stored under. */
export function uploadName(contentId: string, extension: string): string {
  return `${contentId}/upload${extension}`;
}

/** The id of the content an upload belongs to, when the API named it (not an operator's import). */
export function contentIdOfUpload(key: string): string | undefined {
  return UPLOAD_NAME.exec(key)?.[1];
}

/** The id of the content a produced file belongs to. */
export function contentIdOfMedia(key: string): string | undefined {
  return MEDIA_NAME.exec(key)?.[1];
}
