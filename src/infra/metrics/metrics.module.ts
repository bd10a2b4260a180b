import { Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** One Metrics registry per app; imported wherever something is counted. */
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
