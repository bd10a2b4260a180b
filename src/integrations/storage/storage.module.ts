import { Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import { LocalObjectStorage } from './local-object-storage';
import { OBJECT_STORAGE, type ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3-object-storage';

/** The file storage STORAGE_URL selects: local folders (the default) or S3-compatible storage. */
@Module({
  providers: [
    {
      provide: OBJECT_STORAGE,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): ObjectStorage => {
        const storage = config.get('storage', { infer: true });
        return storage.kind === 's3'
          ? new S3ObjectStorage(storage)
          : new LocalObjectStorage({ uploads: storage.uploadDir, media: storage.mediaDir });
      },
    },
  ],
  exports: [OBJECT_STORAGE],
})
export class StorageModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onModuleInit(): Promise<void> {
    const settings = this.config.get('storage', { infer: true });
    if (this.storage instanceof S3ObjectStorage && settings.kind === 's3' && settings.createBucket)
      await this.storage.ensureBucket();
    if (this.storage instanceof LocalObjectStorage) await this.storage.ping();
  }

  onApplicationShutdown(): void {
    if (this.storage instanceof S3ObjectStorage) this.storage.close();
  }
}
