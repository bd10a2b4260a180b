import { Module } from '@nestjs/common';
import { ContentModule } from '../../content/content.module';
import { MediaModule } from '../../media/media.module';
import { ContentGenerationProcessor } from './content-generation.processor';
import { ContentGenerationProducer } from './content-generation.producer';

@Module({
  imports: [ContentModule, MediaModule],
  providers: [ContentGenerationProducer, ContentGenerationProcessor],
  exports: [ContentGenerationProducer],
})
export class ContentGenerationModule {}
