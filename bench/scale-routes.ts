/**
 * The routes bench:scale times, each a call that throws unless it answered as expected: HTTP ones
 * through the loopback client, the per-minute sweep and a job handler's reads in process.
 */
import type { INestApplication } from '@nestjs/common';
import { ContentService } from '../src/content/content.service';
import { ScheduledPostsSweep } from '../src/scheduler/tasks/scheduled-posts-sweep.task';
import { PostLedgerService } from '../src/social/post-ledger.service';
import { SocialAccountsService } from '../src/social/social-accounts.service';
import { PASSWORD, Seeder } from './seed';
import { expectStatus, LoopbackClient } from './support';

export interface Route {
  name: string;
  run(): Promise<unknown>;
  /** Its work grows with the user's own data (25× from 1k to 100k): left out of the worst growth. */
  ownData?: boolean;
}

export function routes(
  app: INestApplication,
  client: LoopbackClient,
  seeder: Seeder,
  tokens: { hot: string; admin: string; single: string },
): Route[] {
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (!warned.has(key)) console.log(`note: ${message}`);
    warned.add(key);
  };
  const http = (
    name: string,
    method: string,
    path: () => string,
    status: number,
    options: () => { token?: string; body?: unknown },
    check?: (body: unknown) => void,
  ): Route => ({
    name,
    run: async () => {
      const answer = expectStatus(await client.request(method, path(), options()), status, name);
      check?.(answer.body);
    },
  });
  const hotUserId = seeder.userId(seeder.hotUserIndex);
  const hotContent = seeder.contentId(0);
  const hotJob = seeder.recordId(0);
  const contents = app.get(ContentService, { strict: false });
  const accounts = app.get(SocialAccountsService, { strict: false });
  const ledger = app.get(PostLedgerService, { strict: false });
  const sweep = app.get(ScheduledPostsSweep, { strict: false });
  /** Each search filter once, with a page the data fills (label, query, items expected at least). */
  const searches = (): [string, () => string, number][] => [
    [
      'owner=<email>',
      () => `owner=${encodeURIComponent(seeder.userEmail(seeder.hotUserIndex))}&limit=20`,
      20,
    ],
    ['contentId', () => `contentId=${hotContent}`, 1],
    ['queue&state', () => 'queue=content-generation&state=completed&limit=20', 20],
    ['name', () => 'name=post-to-social&limit=20', 20],
    [
      'from&to',
      () => `from=${new Date(0).toISOString()}&to=${new Date().toISOString()}&limit=20`,
      20,
    ],
    ['q', () => 'q=paragraph&limit=20', 20],
  ];
  return [
    http(
      'GET /api/jobs/user?limit=20',
      'GET',
      () => '/api/jobs/user?limit=20',
      200,
      () => ({ token: tokens.hot }),
      (body) => {
        const items = (body as { items?: unknown[] }).items?.length ?? 0;
        if (items !== 20) warnOnce('list', `the job list returned ${items} items, not 20`);
      },
    ),
    http(
      'POST /api/content/generate',
      'POST',
      () => '/api/content/generate',
      202,
      () => ({
        token: tokens.hot,
        body: { text: 'A bench paragraph to turn into a post.', platforms: ['twitter'] },
      }),
    ),
    http(
      'GET /api/content/:id',
      'GET',
      () => `/api/content/${hotContent}`,
      200,
      () => ({ token: tokens.hot }),
    ),
    http(
      'GET /api/jobs/dashboard',
      'GET',
      () => '/api/jobs/dashboard',
      200,
      () => ({ token: tokens.admin }),
    ),
    http(
      'GET /api/jobs/failures',
      'GET',
      () => '/api/jobs/failures',
      200,
      () => ({ token: tokens.admin }),
      (body) => {
        const groups = (body as unknown[]).length;
        if (groups === 0) warnOnce('failures', 'no failure groups listed');
      },
    ),
    ...searches().map(([label, query, minItems]) =>
      http(
        `GET /api/jobs/search?${label}`,
        'GET',
        () => `/api/jobs/search?${query()}`,
        200,
        () => ({ token: tokens.admin }),
        (body) => {
          const items = (body as { items?: unknown[] }).items?.length ?? 0;
          if (items < minItems) warnOnce(label, `search ${label} returned ${items} items`);
        },
      ),
    ),
    http(
      'GET /api/jobs/audit?limit=50',
      'GET',
      () => '/api/jobs/audit?limit=50',
      200,
      () => ({ token: tokens.admin }),
      (body) => {
        const items = (body as { items?: unknown[] }).items?.length ?? 0;
        if (items !== 50) warnOnce('audit', `the audit page returned ${items} items, not 50`);
      },
    ),
    http(
      'POST /api/auth/login (last user)',
      'POST',
      () => '/api/auth/login',
      200,
      () => ({ body: { email: seeder.userEmail(seeder.records - 1), password: PASSWORD } }),
    ),
    // The export reads every job of the user (1 % of the records: ~40 at 1k, ~1,000 at 100k), so
    // its growth is the user's own growth; the one-job user's export shows what the rest costs.
    ...(
      [
        ['1 % user', tokens.hot],
        ['one-job user', tokens.single],
      ] as const
    ).map(([who, token]) => ({
      ...http(
        `GET /api/auth/me/export (${who})`,
        'GET',
        () => '/api/auth/me/export',
        200,
        () => ({ token }),
        (body) => {
          const jobs = (body as { jobs?: unknown[] }).jobs?.length ?? 0;
          if (!jobs) warnOnce(`export ${who}`, `the export of the ${who} holds no jobs`);
        },
      ),
      ownData: who === '1 % user',
    })),
    http(
      'GET /api/auth/me',
      'GET',
      () => '/api/auth/me',
      200,
      () => ({ token: tokens.hot }),
    ),
    {
      name: 'sweep: ScheduledPostsSweep.run()',
      run: async () => {
        const report = await sweep.run();
        if (report.due) warnOnce('sweep', `the sweep found ${report.due} due posts`);
      },
    },
    {
      name: 'handler reads (content, credentials, ledger)',
      run: async () => {
        const content = await contents.findById(hotContent);
        const credentials = await accounts.credentials(hotUserId, 'twitter');
        await ledger.entriesFor(hotJob);
        if (!content) warnOnce('content', 'the handler found no content');
        if (!credentials)
          warnOnce('credentials', 'no twitter credentials found for the seeded account');
      },
    },
  ];
}
