import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OBJECT_STORAGE, type ObjectStorage } from '../integrations/storage/object-storage';
import { pingCheck } from './ping-check';

/** Whether file storage answers (the bucket for S3, the folders locally). */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key: string, timeoutMs = 1500) {
    return pingCheck(this.health, key, () => this.storage.ping(), timeoutMs);
  }
}
