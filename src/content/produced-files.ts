import type { Content } from './content.schema';

/** Every file the pipeline produced for the content, as keys of the media storage area (`<contentId>/<name>`). */
export function producedFiles(content: Content): string[] {
  const media = content.media as {
    video?: { thumbnail?: string; rendition?: { file?: string } };
    transcript?: { files?: Record<string, string> };
  };
  return [
    media.video?.thumbnail,
    media.video?.rendition?.file,
    ...Object.values(media.transcript?.files ?? {}),
  ].filter((file): file is string => typeof file === 'string');
}

/** The upload the content was made from, as a key of the upload storage area. */
export function uploadedFile(content: Content): string | undefined {
  const file = (content.media?.upload as { file?: unknown } | undefined)?.file;
  return typeof file === 'string' && file !== '' ? file : undefined;
}
