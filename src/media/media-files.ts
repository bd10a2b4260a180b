import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';

/**
 * Where media work happens: a scratch folder per job under TEMP_DIR (removed whatever the
 * outcome), and a folder per content item under MEDIA_DIR for the results, which are written in
 * scratch first and moved in only when complete, so a half-written file is never published.
 */
@Injectable()
export class MediaFiles {
  readonly uploadDir: string;
  private readonly mediaDir: string;
  private readonly tempDir: string;

  constructor(config: ConfigService<AppConfig, true>) {
    this.uploadDir = config.get('api', { infer: true }).uploads.dir;
    this.mediaDir = config.get('media', { infer: true }).mediaDir;
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

  /** Moves a finished file into the content's folder; returns its path relative to MEDIA_DIR. */
  async publish(file: string, contentId: string, name: string): Promise<string> {
    const folder = path.join(this.mediaDir, contentId);
    await mkdir(folder, { recursive: true });
    const target = path.join(folder, name);
    try {
      await rename(file, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(file, target);
    }
    return path.join(contentId, name);
  }

  /** Removes the content's folder of published files (its owner was erased). */
  async removeContentFiles(contentId: string): Promise<void> {
    await rm(path.join(this.mediaDir, path.basename(contentId)), { recursive: true, force: true });
  }

  /** Removes an uploaded file, given as stored (relative to the upload folder, never outside it). */
  async removeUpload(relative: string): Promise<void> {
    const file = path.resolve(this.uploadDir, relative);
    if (file.startsWith(path.resolve(this.uploadDir) + path.sep)) await rm(file, { force: true });
  }

  /** Absolute path of a published file (relative to MEDIA_DIR). */
  absolute(relative: string): string {
    return path.join(this.mediaDir, relative);
  }
}
