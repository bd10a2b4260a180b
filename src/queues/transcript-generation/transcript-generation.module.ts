import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { TranscriptGenerationProcessor } from './transcript-generation.processor';
import { TranscriptGenerationProducer } from './transcript-generation.producer';

@Module({
  imports: [PipelineModule, MediaModule],
  providers: [TranscriptGenerationProducer, TranscriptGenerationProcessor],
  exports: [TranscriptGenerationProducer],
})
export class TranscriptGenerationModule {}
