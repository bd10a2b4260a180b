import { RedisModule } from '../redis/redis.module';
import { Module } from '@nestjs/common';
import { DerivedIndexes } from './derived-indexes.service';

/** Imported by each module that owns a derived index; DerivedIndexes is one per application. */
@Module({
  imports: [RedisModule],
  providers: [DerivedIndexes],
  exports: [DerivedIndexes],
})
export class DerivedIndexModule {}
