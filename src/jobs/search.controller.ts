import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { UsersService } from '../auth/users.service';
import type { AppConfig } from '../config/app-config';
import { ApiAdmin, ApiBadRequest } from '../http/api-responses';
import { JobSearch, QueueRegistry } from '../queues';
import { JobSearchQuery } from './dto/job-queries.dto';
import { JobSearchPage } from './dto/job-views.dto';
import { decodeCursor, encodeCursor, toJobView } from './job-views.service';

/** Admin job search across queues; see JobSearch for which filter reads which listing. */
@ApiTags('jobs (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('jobs/search')
export class SearchController {
  private readonly window: number;

  constructor(
    private readonly search: JobSearch,
    private readonly registry: QueueRegistry,
    private readonly users: UsersService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.window = config.get('api', { infer: true }).searchWindow;
  }

  @Get()
  @ApiOperation({
    summary: 'Find jobs by owner, content, queue, state, name, time or payload text, newest first',
  })
  @ApiOkResponse({ type: JobSearchPage })
  @ApiBadRequest()
  async find(@Query() query: JobSearchQuery): Promise<JobSearchPage> {
    const problems: string[] = [];
    const queueProblem = this.registry.filterProblem(query.queue);
    if (queueProblem) problems.push(queueProblem);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !after) problems.push('cursor is not a cursor this API gave out');
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to))
      problems.push('from must not be after to');
    if (problems.length) throw new BadRequestException(problems);
    // An e-mail address is looked up by its key; anything else is taken as a user id.
    let ownerId = query.owner;
    if (query.owner?.includes('@')) {
      const user = await this.users.findByEmail(query.owner);
      if (!user) return { items: [], scanned: 0, complete: true };
      ownerId = user._id.toHexString();
    }
    const page = await this.search.search(
      {
        ownerId,
        contentId: query.contentId,
        queue: query.queue,
        state: query.state,
        name: query.name,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        q: query.q,
      },
      query.limit ?? 20,
      this.window,
      after,
    );
    return {
      items: page.items.map(toJobView),
      nextCursor: page.next ? encodeCursor(page.next) : undefined,
      scanned: page.scanned,
      complete: page.complete,
    };
  }
}
