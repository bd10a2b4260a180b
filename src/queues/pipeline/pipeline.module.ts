import { Module } from '@nestjs/common';
import { ContentModule } from '../../content/content.module';
import { PipelineSteps } from './pipeline-steps';

/** The upload pipeline's steps between queues (video → transcript → content), for their processors. */
@Module({
  imports: [ContentModule],
  providers: [PipelineSteps],
  exports: [PipelineSteps],
})
export class PipelineModule {}
