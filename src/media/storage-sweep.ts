import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../infra/redis/redis-client';
import type { AppConfig } from '../config/app-config';
import type { StorageSweepConfig } from '../config/storage-config';
import { ContentService } from '../content/content.service';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { PARTIAL_MARK } from '../integrations/storage/local-object-storage';
import {
  OBJECT_STORAGE,
  type ObjectStorage,
  type StorageArea,
  type StoredObject,
} from '../integrations/storage/object-storage';
import { contentIdOfMedia, contentIdOfUpload } from './stored-names';

/** Objects per listing page (S3's own maximum). */
const PAGE = 1000;

/**
 * The nightly sweep of stored files no content names any more: produced files under a content
 * id, and uploads the API named after their content, whose content is gone (a crash between the
 * upload and the content, a content deleted without its files), plus stale partial writes. Only
 * objects older than STORAGE_SWEEP_MIN_AGE_HOURS, and at most STORAGE_SWEEP_MAX_OBJECTS looked at
 * per run: the listing's position is kept in Redis, so the next run goes on from there and a
 * bucket of any size is covered in turn. Contents are read by `_id`; operators' own imports
 * (other names in the upload area) are never touched.
 */
@Injectable()
export class StorageSweep {
  private readonly sweep: StorageSweepConfig;
  private readonly cursorKey: string;

  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly contents: ContentService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.sweep = config.get('storage', { infer: true }).sweep;
    this.cursorKey = `${config.get('redisKeys', { infer: true }).base}:storage-sweep`;
  }

  /** One run: what it looked at and removed, per area. */
  async run(now = Date.now()): Promise<Record<StorageArea, { seen: number; removed: number }>> {
    const budget = Math.ceil(this.sweep.maxObjects / 2);
    return {
      uploads: await this.area('uploads', budget, now),
      media: await this.area('media', budget, now),
    };
  }

  private async area(area: StorageArea, budget: number, now: number) {
    let after = (await this.redis.hget(this.cursorKey, area)) ?? undefined;
    const exists = new Map<string, Promise<boolean>>();
    let seen = 0;
    let removed = 0;
    while (seen < budget) {
      const page = await this.storage.list(area, { after, limit: Math.min(PAGE, budget - seen) });
      seen += page.objects.length;
      for (const object of page.objects)
        if (await this.orphan(area, object, now, exists)) {
          await this.storage.remove(area, object.key);
          removed++;
        }
      after = page.next;
      if (!after) break;
    }
    // The end of the listing: the next run starts again from the beginning.
    if (after) await this.redis.hset(this.cursorKey, area, after);
    else await this.redis.hdel(this.cursorKey, area);
    return { seen, removed };
  }

  private async orphan(
    area: StorageArea,
    object: StoredObject,
    now: number,
    exists: Map<string, Promise<boolean>>,
  ): Promise<boolean> {
    if (now - object.modifiedAt.getTime() < this.sweep.minAgeMs) return false;
    if (object.key.includes(PARTIAL_MARK)) return true;
    const contentId =
      area === 'uploads' ? contentIdOfUpload(object.key) : contentIdOfMedia(object.key);
    if (!contentId) return false;
    if (!exists.has(contentId))
      exists.set(
        contentId,
        this.contents.findById(contentId).then((c) => c !== null),
      );
    return !(await exists.get(contentId));
  }
}
