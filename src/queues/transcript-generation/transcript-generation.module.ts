import { Module } from '@nestjs/common';
import { TranscriptGenerationProducer } from './transcript-generation.producer';

@Module({
  providers: [TranscriptGenerationProducer],
  exports: [TranscriptGenerationProducer],
})
export class TranscriptGenerationModule {}
