/** An upload as the API names it: `<content id><video extension>` (the content has that id). */
const UPLOAD_NAME = /^([0-9a-f]{24})\.[a-z0-9]{1,5}$/;
/** A produced file: `<content id>/<name>`. */
const MEDIA_NAME = /^([0-9a-f]{24})\//;

/** The id of the content an upload belongs to, when the API named it (not an operator's import). */
export function contentIdOfUpload(key: string): string | undefined {
  return UPLOAD_NAME.exec(key)?.[1];
}

/** The id of the content a produced file belongs to. */
export function contentIdOfMedia(key: string): string | undefined {
  return MEDIA_NAME.exec(key)?.[1];
}
