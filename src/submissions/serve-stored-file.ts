import { NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  ObjectNotFoundError,
  type ObjectStorage,
  RangeNotSatisfiableError,
} from '../integrations/storage/object-storage';

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.mp4': 'video/mp4',
  '.vtt': 'text/vtt; charset=utf-8',
  '.srt': 'application/x-subrip; charset=utf-8',
};

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range; several are answered whole, as allowed). */
function parseRange(
  header: string | undefined,
): { start?: number; end?: number; suffix?: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') return { suffix: Number(match[2]) };
  return { start: Number(match[1]), end: match[2] === '' ? undefined : Number(match[2]) };
}

/**
 * Streams a stored media file to its (already checked) owner, through the API rather than by a
 * presigned URL: the storage endpoint need not be reachable from browsers, no CORS or URL expiry
 * to manage, and the owner check holds for every byte. Single Range requests get a 206 (players
 * seek that way); a range past the end a 416.
 */
export async function serveStoredFile(
  storage: ObjectStorage,
  key: string,
  req: Request,
  res: Response,
): Promise<void> {
  let range = parseRange(req.headers.range);
  if (range?.suffix !== undefined) {
    // The last n bytes: the size is needed first.
    const found = await storage.stat('media', key);
    if (!found) throw new NotFoundException(`File ${path.basename(key)} not found`);
    range = { start: Math.max(0, found.size - range.suffix), end: undefined };
  }
  if (range && range.end !== undefined && range.end < range.start!) range = undefined;
  const read = await storage
    .read('media', key, range ? { start: range.start!, end: range.end } : undefined)
    .catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError)
        throw new NotFoundException(`File ${path.basename(key)} not found`);
      throw error;
    })
    .catch((error: unknown) => {
      if (!(error instanceof RangeNotSatisfiableError)) throw error;
      res.status(416).setHeader('Content-Range', `bytes */${error.size}`);
      return undefined;
    });
  if (!read) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', TYPES[path.extname(key)] ?? 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, max-age=3600');
  if (read.range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${read.range.start}-${read.range.end}/${read.size}`);
    res.setHeader('Content-Length', String(read.range.end - read.range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(read.size));
  }
  // A player that stops reading mid-file closes the connection: nothing is left to answer.
  await pipeline(read.body, res).catch(() => read.body.destroy());
}
