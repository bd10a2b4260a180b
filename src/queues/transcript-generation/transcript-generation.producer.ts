import { Injectable } from '@nestjs/common';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import type { GenerateTranscriptPayload } from './generate-transcript.payload';

/** Transcript jobs; their worker comes with the media pipeline. */
@Injectable()
export class TranscriptGenerationProducer {
  constructor(private readonly kernel: JobKernel) {}

  generate(payload: GenerateTranscriptPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.kernel.add(
      QUEUE_NAMES.TRANSCRIPT_GENERATION,
      JOB_NAMES.GENERATE_TRANSCRIPT,
      payload,
      options,
    );
  }
}
