import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import { BuiltinTextGenerator } from './builtin-text-generator';
import { OpenAiTextGenerator } from './openai-text-generator';
import { TEXT_GENERATOR, TextGenerator } from './text-generator';

/** LLM_BASE_URL selects the OpenAI-compatible provider; without it the offline generator is used. */
@Module({
  providers: [
    {
      provide: TEXT_GENERATOR,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): TextGenerator => {
        const llm = config.get('llm', { infer: true });
        return llm.baseUrl
          ? new OpenAiTextGenerator({ ...llm, baseUrl: llm.baseUrl })
          : new BuiltinTextGenerator();
      },
    },
  ],
  exports: [TEXT_GENERATOR],
})
export class TextGenerationModule {}
