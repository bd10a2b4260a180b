import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import path from 'node:path';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators';
import { CONTENT_PLATFORMS } from '../common/platforms';
import { MediaFiles } from '../media/media-files';
import { checkUpload, UnsafeUploadPathError } from '../media/upload-path';
import type { User } from '../auth/user.schema';
import { ContentService } from '../content/content.service';
import {
  ApiBadRequest,
  ApiNotFound,
  ApiQueueDown,
  ApiSignedIn,
  ErrorBody,
} from '../http/api-responses';
import { AcceptedJobView } from '../jobs/dto/job-views.dto';
import {
  GenerateContentDto,
  SubmitPostDto,
  SubmitTranscriptDto,
  UploadVideoDto,
  deadlineOption,
} from './dto/submissions.dto';
import { SubmissionQuota } from './submission-quota.service';
import { toContentView } from './content-view';
import { producedFiles } from '../content/produced-files';
import { DiscardUploadOnError } from './discard-upload-on-error.interceptor';
import { serveStoredFile } from './serve-stored-file';
import { contentIdOfUpload } from '../media/stored-names';
import { ApiIdempotencyKey, Idempotent, IdempotencyInterceptor } from './idempotency.interceptor';
import { JobHistory, QueuesService } from '../queues';
import type { AcceptedJob } from '../queues';

function accepted(job: AcceptedJob): AcceptedJobView {
  return { jobId: job.jobId, queue: job.queue, state: job.state };
}

/** Work a user hands in. Each answers 202 with the job id; the job belongs to the caller. */
@ApiTags('submissions')
@ApiSignedIn()
@Controller()
export class SubmissionsController {
  constructor(
    private readonly queues: QueuesService,
    private readonly contents: ContentService,
    private readonly quota: SubmissionQuota,
    private readonly history: JobHistory,
    private readonly files: MediaFiles,
  ) {}

  @Post('content/generate')
  @Idempotent()
  @ApiOperation({ summary: 'Generate posts for platforms from a text' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedJobView })
  @ApiBadRequest()
  @ApiNotFound('Content')
  @ApiQueueDown()
  async generate(
    @CurrentUser() user: User,
    @Body() dto: GenerateContentDto,
  ): Promise<AcceptedJobView> {
    await this.quota.check(user._id.toHexString());
    const { deadline, ...fields } = dto;
    return accepted(
      await this.queues.addContentGenerationJob(
        { ...fields, userId: user._id.toHexString() },
        deadlineOption({ deadline }),
      ),
    );
  }

  @Post('posts')
  @Idempotent()
  @ApiOperation({ summary: 'Post to social platforms now, or at scheduledAt' })
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: AcceptedJobView,
    description: 'social-posting now, or scheduled-posts when scheduledAt is in the future',
  })
  @ApiBadRequest()
  @ApiNotFound('Content')
  @ApiQueueDown()
  async post(@CurrentUser() user: User, @Body() dto: SubmitPostDto): Promise<AcceptedJobView> {
    const userId = user._id.toHexString();
    if (dto.contentId) await this.contents.findOwned(dto.contentId, userId);
    const scheduledAt = dto.scheduledAt ? new Date(dto.scheduledAt) : undefined;
    if (scheduledAt && scheduledAt.getTime() <= Date.now())
      throw new BadRequestException(['scheduledAt must be in the future']);
    await this.quota.check(userId);
    const fields = {
      userId,
      contentId: dto.contentId,
      platforms: dto.platforms,
      content: dto.content,
    };
    return accepted(
      scheduledAt
        ? await this.queues.addScheduledPostJob(fields, scheduledAt, deadlineOption(dto))
        : await this.queues.addSocialPostJob(fields, deadlineOption(dto)),
    );
  }

  @Post('transcripts')
  @Idempotent()
  @ApiOperation({ summary: "Transcribe a content's video (then, optionally, generate posts)" })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedJobView })
  @ApiBadRequest()
  @ApiNotFound('Content')
  @ApiQueueDown()
  async transcript(
    @CurrentUser() user: User,
    @Body() dto: SubmitTranscriptDto,
  ): Promise<AcceptedJobView> {
    const userId = user._id.toHexString();
    await this.contents.findOwned(dto.contentId, userId);
    await this.quota.check(userId);
    const { deadline, ...fields } = dto;
    return accepted(
      await this.queues.addTranscriptJob({ ...fields, userId }, deadlineOption({ deadline })),
    );
  }

  @Post('videos')
  @ApiOperation({
    summary: 'Upload a video: process it, transcribe it, generate posts',
    description:
      'The file is taken when its extension is a video one (.mp4, .mov, .m4v, .webm, .mkv, .avi, .mpeg, .mpg, .ogv, .3gp) or its first bytes are a video container (MP4/QuickTime, WebM/Matroska, AVI, MPEG, Ogg, FLV, ASF), whatever its Content-Type; content that clearly is something else (text, an image, an archive) is a 400 saying what it is. ffprobe checks the rest when the job runs.',
  })
  @HttpCode(202)
  // Listed after multer's: it sees the stored file, and every error raised past that point.
  @UseInterceptors(FileInterceptor('file'), DiscardUploadOnError, IdempotencyInterceptor)
  @ApiIdempotencyKey()
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' }, title: { type: 'string' } },
    },
  })
  @ApiAcceptedResponse({
    type: AcceptedJobView,
    description: 'Stored; a video-processing job is queued for a new content item',
  })
  @ApiBadRequest()
  @ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'Larger than UPLOAD_MAX_BYTES' })
  @ApiQueueDown()
  async video(
    @CurrentUser() user: User,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() dto: UploadVideoDto,
  ): Promise<AcceptedJobView> {
    if (file && dto.videoPath)
      throw new BadRequestException(['give either a file or a videoPath, not both']);
    if (!file && !dto.videoPath)
      throw new BadRequestException([
        'file is required (multipart field "file"), or a videoPath inside the upload folder',
      ]);
    const videoPath = file ? file.filename : dto.videoPath!;
    if (!file) {
      await checkUpload(this.files.storage, videoPath).catch((error: Error) => {
        throw error instanceof UnsafeUploadPathError
          ? new BadRequestException([error.message])
          : error;
      });
    }
    const userId = user._id.toHexString();
    await this.quota.check(userId);
    const contentId = await this.contents.create(
      userId,
      { title: dto.title ?? file?.originalname ?? path.basename(videoPath), status: 'processing' },
      // An upload is named after its content: the nightly cleanup finds orphans by `_id`.
      file ? contentIdOfUpload(file.filename) : undefined,
    );
    await this.contents.saveMedia(
      contentId,
      'upload',
      file
        ? {
            originalName: file.originalname,
            size: file.size,
            mimeType: file.mimetype,
            file: videoPath,
          }
        : { file: videoPath },
    );
    const job = await this.queues
      .addVideoProcessingJob(
        {
          contentId,
          videoPath,
          userId,
          pipeline: {
            language: dto.language ?? 'en',
            platforms: dto.platforms ?? [...CONTENT_PLATFORMS],
          },
        },
        deadlineOption(dto),
      )
      .catch(async (error: unknown) => {
        // Not queued (Redis away): no content left waiting for a job that will never come.
        await this.contents.delete(contentId).catch(() => undefined);
        throw error;
      });
    return accepted(job);
  }

  @Get('content/:id')
  @ApiOperation({ summary: 'One of your contents with what each stage produced, and its timeline' })
  @ApiOkResponse({
    description:
      'The content with what each stage produced (posts, published posts, media) and its timeline: each job, its state and timing',
  })
  @ApiNotFound('Content')
  async content(@CurrentUser() user: User, @Param('id') id: string) {
    const content = await this.contents.findOwned(id, user._id.toHexString());
    // Each step live from Redis while it is there, else its record.
    const jobs = await this.history.forContent(id);
    return toContentView(content, jobs);
  }

  @Get('content/:id/files/:name')
  @ApiOperation({ summary: 'A file produced for your content (thumbnail, rendition, captions)' })
  @ApiProduces('image/jpeg', 'video/mp4', 'text/vtt', 'application/x-subrip')
  @ApiOkResponse({ description: 'A file the pipeline produced: thumbnail, rendition, captions' })
  @ApiNotFound('Content or file')
  async file(
    @CurrentUser() user: User,
    @Param('id') id: string,
    @Param('name') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const content = await this.contents.findOwned(id, user._id.toHexString());
    // Only files the content names: nothing else in storage can be asked for.
    const file = producedFiles(content).find((relative) => path.basename(relative) === name);
    if (!file) throw new NotFoundException(`File ${name} not found`);
    await serveStoredFile(this.files.storage, file, req, res);
  }
}
