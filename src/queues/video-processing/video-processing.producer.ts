import { Injectable } from '@nestjs/common';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import type { OwnedInput } from '../contracts/owner';
import type { ProcessVideoPayload } from './process-video.payload';

/** Video jobs default to HIGH priority (the catalogue says so). Their worker comes with the media pipeline. */
@Injectable()
export class VideoProcessingProducer {
  constructor(private readonly kernel: JobKernel) {}

  process(payload: OwnedInput<ProcessVideoPayload>, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.kernel.add(QUEUE_NAMES.VIDEO_PROCESSING, JOB_NAMES.PROCESS_VIDEO, payload, options);
  }
}
