import { ContentService } from '../../src/content/content.service';
import { PLATFORM_RULES } from '../../src/common/platforms';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { HttpFake } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const ARTICLE = [
  'Background queues let a content platform answer users at once while heavy work happens later.',
  'Video processing, transcripts and social posting all run as queue jobs with retries and priorities.',
  'A queue worker picks jobs in priority order, reports progress, and records every outcome in MongoDB.',
  'When a worker crashes, the queue hands its jobs to another worker, so no upload is lost.',
  'Operators watch queue depth and failure rates, and retry failed jobs from the dashboard.',
].join(' ');

async function finished(queues: QueuesService, jobId: string) {
  return eventually(async () => {
    const s = await queues.getJobStatus(QUEUE_NAMES.CONTENT_GENERATION, jobId);
    return ['completed', 'failed'].includes(s.state) && s;
  }, 20_000);
}

interface Result {
  contentId: string;
  posts: { platform: string; text: string; hashtags: string[]; length: number }[];
}

describe('content-generation with the built-in generator', () => {
  let app: TestApp;
  let queues: QueuesService;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('contentgen'), { LLM_BASE_URL: undefined });
    queues = app.get(QueuesService);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('writes one post per platform within its limits, with hashtags where the platform uses them, and stores them', async () => {
    const job = await queues.addContentGenerationJob({
      text: ARTICLE,
      user: { _id: 'writer-1' },
      platforms: ['twitter', 'linkedin', 'facebook', 'instagram'],
    });
    const done = await finished(queues, job.jobId);
    expect(done.state).toBe('completed');
    const result = done.returnValue as Result;
    expect(result.posts.map((p) => p.platform)).toEqual([
      'twitter',
      'linkedin',
      'facebook',
      'instagram',
    ]);
    for (const post of result.posts) {
      const rules = PLATFORM_RULES[post.platform as keyof typeof PLATFORM_RULES];
      expect([...post.text].length).toBeLessThanOrEqual(rules.maxLength);
      expect(post.length).toBe([...post.text].length);
      expect(post.hashtags.length).toBeLessThanOrEqual(rules.hashtags);
    }
    const [twitter, linkedin, facebook, instagram] = result.posts;
    expect(twitter.hashtags).toContain('#Queue');
    expect(twitter.text.endsWith(twitter.hashtags.join(' '))).toBe(true);
    expect(instagram.hashtags.length).toBeGreaterThan(3);
    expect(facebook.hashtags).toEqual([]);
    expect(linkedin.text.length).toBeGreaterThan(twitter.text.length);

    // Stored on the content document the producer created for the owner.
    const content = await app.get(ContentService).findOwned(result.contentId, 'writer-1');
    expect(content.status).toBe('ready');
    expect(content.posts.twitter?.text).toBe(twitter.text);
    expect(content.posts.instagram?.generator).toBe('builtin');

    // Deterministic: the same text gives the same posts.
    const again = await finished(
      queues,
      (
        await queues.addContentGenerationJob({
          text: ARTICLE,
          user: { _id: 'writer-1' },
          platforms: ['twitter'],
        })
      ).jobId,
    );
    expect((again.returnValue as Result).posts[0].text).toBe(twitter.text);
  });

  it('keeps a post within 280 characters for Twitter whatever the input', async () => {
    const wall = `${'Supercalifragilistic expialidocious words keep coming without any full stop '.repeat(20)}end`;
    const done = await finished(
      queues,
      (
        await queues.addContentGenerationJob({
          text: wall,
          user: { _id: 'w' },
          platforms: ['twitter'],
        })
      ).jobId,
    );
    const [post] = (done.returnValue as Result).posts;
    expect([...post.text].length).toBeLessThanOrEqual(280);
    expect(post.text).toContain('…');
  });

  it('refuses another user\u2019s content and unknown platforms before queueing', async () => {
    const mine = await app.get(ContentService).create('owner-a', { sourceText: 'x' });
    await expect(
      queues.addContentGenerationJob({
        contentId: mine,
        text: 'x',
        user: { _id: 'owner-b' },
        platforms: ['twitter'],
      }),
    ).rejects.toThrow(`Content ${mine} not found`);
    await expect(
      queues.addContentGenerationJob({
        text: 'x',
        user: { _id: 'u' },
        platforms: ['myspace' as 'twitter'],
      }),
    ).rejects.toThrow('platforms must each be one of twitter, linkedin, facebook, instagram');
  });
});

describe('content-generation with an OpenAI-compatible provider', () => {
  let llm: HttpFake;
  let app: TestApp;
  let queues: QueuesService;

  beforeAll(async () => {
    llm = await HttpFake.start();
    app = await startTestApp(uniqueName('llm'), {
      LLM_BASE_URL: `${llm.url}/v1`,
      LLM_API_KEY: 'sk-test-123',
      LLM_MODEL: 'tiny-model',
      JOB_BACKOFF_DELAY_MS: '50',
    });
    queues = app.get(QueuesService);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await llm.stop();
  });

  it('asks the chat-completions API per platform, with the key and model, and fits the answer to the platform', async () => {
    const long = 'Model output that runs on and on. '.repeat(20);
    llm.on('POST', '/v1/chat/completions', (req) => {
      const system = (req.body as { messages: { content: string }[] }).messages[0].content;
      const text = system.includes('twitter') ? long : 'A thoughtful LinkedIn post.';
      return {
        status: 200,
        body: {
          choices: [
            { message: { content: JSON.stringify({ text, hashtags: ['#Queues', 'Nest JS'] }) } },
          ],
        },
      };
    });
    const done = await finished(
      queues,
      (
        await queues.addContentGenerationJob({
          text: 'Source',
          user: { _id: 'u' },
          platforms: ['twitter', 'linkedin'],
        })
      ).jobId,
    );
    expect(done.state).toBe('completed');
    const [twitter, linkedin] = (done.returnValue as Result).posts;
    expect([...twitter.text].length).toBeLessThanOrEqual(280);
    expect(twitter.text.endsWith('#Queues #NestJS')).toBe(true);
    expect(linkedin.text).toBe('A thoughtful LinkedIn post.\n\n#Queues #NestJS');
    const calls = llm.requests.slice(-2);
    for (const call of calls) {
      expect(call.headers.authorization).toBe('Bearer sk-test-123');
      expect((call.body as { model: string }).model).toBe('tiny-model');
    }
  });

  const generateOneTweet = async () =>
    finished(
      queues,
      (
        await queues.addContentGenerationJob({
          text: 'x',
          user: { _id: 'u' },
          platforms: ['twitter'],
        })
      ).jobId,
    );

  it('fails at once on a 4xx from the provider, and retries a 5xx three times', async () => {
    llm.on('POST', '/v1/chat/completions', () => ({
      status: 400,
      body: { error: { message: 'model not found' } },
    }));
    const bad = await generateOneTweet();
    expect(bad).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'llm: HTTP 400: model not found',
    });
    // The content it was generating for says why it has no posts.
    const content = await eventually(async () => {
      const c = await app.get(ContentService).findById(bad.contentId!);
      return c?.status === 'failed' && c;
    });
    expect(content.failureReason).toBe('content-generation: llm: HTTP 400: model not found');

    llm.on('POST', '/v1/chat/completions', () => ({
      status: 503,
      body: { error: { message: 'overloaded' } },
    }));
    const busy = await generateOneTweet();
    expect(busy).toMatchObject({
      state: 'failed',
      attemptsMade: 3,
      failedReason: 'llm: HTTP 503: overloaded',
    });
  });
});
