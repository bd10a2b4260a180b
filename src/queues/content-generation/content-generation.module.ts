import { Module } from '@nestjs/common';
import { ContentModule } from '../../content/content.module';
import { ContentGenerationProcessor } from './content-generation.processor';
import { ContentGenerationProducer } from './content-generation.producer';

@Module({
  imports: [ContentModule],
  providers: [ContentGenerationProducer, ContentGenerationProcessor],
  exports: [ContentGenerationProducer],
})
export class ContentGenerationModule {}
