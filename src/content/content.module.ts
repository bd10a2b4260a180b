import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TextGenerationModule } from '../integrations/text-generation/text-generation.module';
import { ContentGenerationService } from './content-generation.service';
import { Content, ContentSchema } from './content.schema';
import { ContentService } from './content.service';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: Content.name, schema: ContentSchema }]),
    TextGenerationModule,
  ],
  providers: [ContentService, ContentGenerationService],
  exports: [ContentService, ContentGenerationService],
})
export class ContentModule {}
