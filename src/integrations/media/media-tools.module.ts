import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import { PocketsphinxEngine } from '../speech/pocketsphinx-engine';
import { OpenAiSpeechEngine } from '../speech/openai-speech-engine';
import { SPEECH_ENGINES, type SpeechEngine } from '../speech/speech-engine';
import { FfmpegMediaTools } from './ffmpeg-media-tools';
import { MEDIA_TOOLS } from './media-tools';

/** ffmpeg for video and audio; speech engines in order of preference. */
@Module({
  providers: [
    {
      provide: MEDIA_TOOLS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const media = config.get('media', { infer: true });
        return new FfmpegMediaTools(media.ffmpegPath, media.ffprobePath);
      },
    },
    {
      provide: SPEECH_ENGINES,
      inject: [ConfigService],
      // A configured service first (every language, better quality), then offline English.
      useFactory: (config: ConfigService<AppConfig, true>): SpeechEngine[] => {
        const media = config.get('media', { infer: true });
        const { baseUrl } = media.speech;
        return [
          ...(baseUrl ? [new OpenAiSpeechEngine({ ...media.speech, baseUrl })] : []),
          new PocketsphinxEngine(media.pocketsphinxPath),
        ];
      },
    },
  ],
  exports: [MEDIA_TOOLS, SPEECH_ENGINES],
})
export class MediaToolsModule {}
