import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import {
  OBJECT_STORAGE,
  type ObjectStorage,
  UnsafeKeyError,
} from '../integrations/storage/object-storage';
import type { Content } from '../content/content.schema';
import { producedFiles, uploadedFile } from '../content/produced-files';
import { asUploadPathError, UnsafeUploadPathError, uploadKey } from './upload-path';

/** A stored file as a user's export lists it (produced files can be downloaded at `url`). */
export interface StoredFileView {
  kind: 'upload' | 'produced';
  name: string;
  size: number;
  url?: string;
}

/**
 * Where media work happens: a scratch folder per job under TEMP_DIR (removed whatever the
 * outcome) holding what the job fetched from storage and what it makes, and storage (local
 * folders or a bucket) for uploads and results — one folder per content item, each file stored
 * only when complete, so a half-written file is never published.
 */
@Injectable()
export class MediaFiles {
  private readonly tempDir: string;

  constructor(
    @Inject(OBJECT_STORAGE) readonly storage: ObjectStorage,
    config: ConfigService<AppConfig, true>,
  ) {
    this.tempDir = config.get('scheduler', { infer: true }).tempDir;
  }

  /**
   * Runs `work` in a fresh scratch folder of its own (a stalled job run again elsewhere gets
   * another), and removes the folder after, whatever happened.
   */
  async withScratch<T>(jobId: string, work: (dir: string) => Promise<T>): Promise<T> {
    const dir = `${this.scratchDir(jobId)}-${randomBytes(4).toString('hex')}`;
    await mkdir(dir, { recursive: true });
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The prefix of job `jobId`'s scratch folders (the nightly cleanup removes stale `job-*`). */
  scratchDir(jobId: string): string {
    return path.join(this.tempDir, `job-${jobId}`);
  }

  /** An upload (`videoPath`) as a local file for the tools; UnsafeUploadPathError says why not. */
  async fetchUpload(relative: string, scratch: string, signal: AbortSignal): Promise<string> {
    return this.storage
      .localCopy('uploads', uploadKey(relative), scratch, signal)
      .catch(asUploadPathError(relative));
  }

  /** A published file (as the content names it) as a local file for the tools. */
  fetchPublished(relative: string, scratch: string, signal: AbortSignal): Promise<string> {
    return this.storage.localCopy('media', relative, scratch, signal);
  }

  /** Stores a finished file in the content's folder; returns its name as the content keeps it. */
  async publish(file: string, contentId: string, name: string, signal?: AbortSignal) {
    const key = `${contentId}/${name}`;
    await this.storage.writeFile('media', key, file, signal);
    return key;
  }

  /**
   * The files storage holds for a content item (its upload, what the pipeline made), each with
   * its size; one the content names but storage lost is left out.
   */
  async storedFiles(content: Content): Promise<StoredFileView[]> {
    const id = content._id.toHexString();
    const upload = uploadedFile(content);
    const wanted = [
      ...(upload ? [{ area: 'uploads' as const, key: upload }] : []),
      ...producedFiles(content).map((key) => ({ area: 'media' as const, key })),
    ];
    const found = await Promise.all(
      wanted.map(async ({ area, key }): Promise<StoredFileView | undefined> => {
        const object = await this.storage.stat(area, key).catch((error: unknown) => {
          if (error instanceof UnsafeKeyError) return undefined;
          throw error;
        });
        if (!object) return undefined;
        const name = path.basename(key);
        if (area === 'uploads') return { kind: 'upload', name, size: object.size };
        return {
          kind: 'produced',
          name,
          size: object.size,
          url: `/api/content/${id}/files/${name}`,
        };
      }),
    );
    return found.filter((file): file is StoredFileView => file !== undefined);
  }

  /** Removes the content's folder of published files (its owner was erased). */
  async removeContentFiles(contentId: string): Promise<void> {
    await this.storage.removeFolder('media', path.basename(contentId));
  }

  /** Removes an upload, given as stored; a name that could leave the upload area is ignored. */
  async removeUpload(relative: string): Promise<void> {
    try {
      await this.storage.remove('uploads', uploadKey(relative));
    } catch (error) {
      if (!(error instanceof UnsafeKeyError || error instanceof UnsafeUploadPathError)) throw error;
    }
  }
}
