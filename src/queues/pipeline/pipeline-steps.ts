import type { JobContext } from '../contracts/job-context';
import { Injectable } from '@nestjs/common';
import { ContentService } from '../../content/content.service';
import type { VideoMetadata } from '../../integrations/media/media-tools';
import type { FinishedOutcome } from '../contracts/job-context';
import { ContentGenerationProducer } from '../content-generation/content-generation.producer';
import { TranscriptGenerationProducer } from '../transcript-generation/transcript-generation.producer';
import type { GenerateTranscriptPayload } from '../transcript-generation/generate-transcript.payload';
import type { ProcessVideoPayload } from '../video-processing/process-video.payload';

/**
 * The upload pipeline, one explicit follow-up per step: video-processing → transcript-generation →
 * content-generation. Each step queues the next itself, as its last act, under an id derived from
 * its own (`<id>-transcript`, `<id>-content`): if the step is retried after queueing, BullMQ and the
 * job records answer with the job already made, never a second one. A step that fails for good
 * marks the content failed with its reason, and nothing after it runs.
 */
/** The step's job that queues the next one: its id names the next job, its request id carries on. */
export type StepJob = Pick<JobContext, 'jobId' | 'requestId'>;

@Injectable()
export class PipelineSteps {
  constructor(
    private readonly transcripts: TranscriptGenerationProducer,
    private readonly contentGeneration: ContentGenerationProducer,
    private readonly contents: ContentService,
  ) {}

  async started(contentId: string): Promise<void> {
    await this.contents.setStatus(contentId, 'processing');
  }

  async afterVideo(
    payload: ProcessVideoPayload,
    metadata: VideoMetadata,
    from: StepJob,
  ): Promise<{ transcriptJobId: string } | undefined> {
    const { contentId, pipeline } = payload;
    if (pipeline && !metadata.audioCodec) {
      await this.contents.saveMedia(contentId, 'transcript', {
        skipped: 'the video has no audio track',
      });
    }
    if (!pipeline || !metadata.audioCodec) {
      await this.contents.setStatus(contentId, 'ready');
      return undefined;
    }
    const next = await this.transcripts.generate(
      {
        contentId,
        language: pipeline.language,
        userId: payload.userId,
        generatePosts: pipeline.platforms,
      },
      { jobId: `${from.jobId}-transcript`, requestId: from.requestId },
    );
    return { transcriptJobId: next.jobId };
  }

  async afterTranscript(
    payload: GenerateTranscriptPayload,
    text: string,
    from: StepJob,
  ): Promise<{ contentJobId: string } | undefined> {
    if (!payload.generatePosts) {
      await this.contents.setStatus(payload.contentId, 'ready');
      return undefined;
    }
    const next = await this.contentGeneration.generate(
      {
        contentId: payload.contentId,
        text: forGeneration(text),
        platforms: payload.generatePosts,
        userId: payload.userId,
      },
      { jobId: `${from.jobId}-content`, requestId: from.requestId },
    );
    return { contentJobId: next.jobId };
  }

  /** A step's job ended for good: if it failed or was cancelled, so did its content's pipeline. */
  async stepFinished(
    step: string,
    payload: { contentId?: string },
    outcome: FinishedOutcome,
  ): Promise<void> {
    if (outcome.state === 'completed' || !payload.contentId) return;
    await this.contents.setStatus(payload.contentId, 'failed', `${step}: ${outcome.reason}`);
  }
}

/** Posts summarise; an hour of speech is more than the generator takes (50,000 characters). */
const GENERATION_MAX_CHARS = 50_000;

function forGeneration(text: string): string {
  if (text.length <= GENERATION_MAX_CHARS) return text;
  const cut = text.slice(0, GENERATION_MAX_CHARS);
  return cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : undefined);
}
