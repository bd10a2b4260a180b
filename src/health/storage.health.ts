import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OBJECT_STORAGE, type ObjectStorage } from '../integrations/storage/object-storage';

/** Whether file storage answers (the bucket for S3, the folders locally). */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs = 1500) {
    const session = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.storage.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
