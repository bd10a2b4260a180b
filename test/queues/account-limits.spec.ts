import { CircuitBreakers, QUEUE_NAMES, QueuesService } from '../../src/queues';
import { Metrics } from '../../src/infra/metrics/metrics';
import { AccountHolds } from '../../src/social/account-holds';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { ApiClient } from '../support/api-client';
import { HttpFake, RecordedRequest, Reply } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const RETRY_AFTER_S = 120;

/**
 * One account's rate limit holds back only that account: user A's X token answers 429 with
 * Retry-After, user B's answers 201. B's posts go out at once, the platform's breaker stays
 * closed, A's posts wait without calling X until the Retry-After, then go out once each. A limit
 * the platform says is the app's opens the breaker for everyone.
 */
describe('rate limits per account', () => {
  let x: HttpFake;
  let app: TestApp;
  let api: ApiClient;
  let queues: QueuesService;
  const tweets: { request: RecordedRequest; status: number }[] = [];
  /** What each token's next call gets; by default a new tweet. */
  const replies = new Map<string, () => Reply>();

  beforeAll(async () => {
    x = await HttpFake.start();
    let next = 5000;
    x.on('POST', '/2/tweets', (request) => {
      const token = String(request.headers.authorization).replace('Bearer ', '');
      const reply = replies.get(token)?.() ?? {
        status: 201,
        body: { data: { id: String(++next), text: 'ok' } },
      };
      tweets.push({ request, status: reply.status });
      return reply;
    });
    app = await startTestApp(
      uniqueName('acctlimit'),
      {
        TWITTER_API_BASE_URL: x.url,
        JOB_BACKOFF_DELAY_MS: '100',
        BREAKER_MIN_CALLS: '2',
        // Two accounts limited at once are the app's limit (test 3); one is not (test 1).
        SOCIAL_APP_LIMIT_ACCOUNTS: '2',
        ADMIN_EMAIL: 'ops@limits.test',
        ADMIN_PASSWORD: 'ops-password-1',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    queues = app.get(QueuesService);
    const accounts = app.get(SocialAccountsService);
    for (const user of ['ada', 'bea', 'cyd', 'dee', 'eve'])
      await accounts.link(user, 'twitter', `tok-${user}`);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await x.stop();
  });

  const post = async (userId: string, text: string) =>
    (await queues.addSocialPostJob({ userId, platforms: ['twitter'], content: { text } })).jobId;
  const state = async (jobId: string) =>
    (await queues.getJobStatus(QUEUE_NAMES.SOCIAL_POSTING, jobId)).state;
  const sent = (token: string, status: number) =>
    tweets.filter(
      (t) => t.request.headers.authorization === `Bearer ${token}` && t.status === status,
    );

  it(
    "holds only the limited account; the others' posts go on, the breaker stays closed",
    async () => {
      let limited = true;
      replies.set('tok-ada', () =>
        limited
          ? {
              status: 429,
              headers: { 'retry-after': String(RETRY_AFTER_S), 'x-rate-limit-remaining': '0' },
              body: { title: 'Too Many Requests' },
            }
          : { status: 201, body: { data: { id: `ada-${tweets.length}`, text: 'ok' } } },
      );
      const first = await post('ada', 'Ada one');
      // Ada's first post meets the limit: it waits (delayed), its attempt unspent.
      await eventually(() => sent('tok-ada', 429).length === 1, 20_000, "ada's 429");
      // The app sets the hold (its clock + Retry-After) after X's answer, which comes after the
      // fake recorded the call: between that call's arrival and the read below.
      const limitedFrom = sent('tok-ada', 429)[0].request.at;
      // Ada's next posts come once the hold is set: one that ran before would meet X's limit.
      await eventually(() => app.get(AccountHolds).until('twitter', 'ada'), 20_000, "ada's hold");
      const adas = [first, await post('ada', 'Ada two'), await post('ada', 'Ada three')];
      const beas = await Promise.all(
        ['one', 'two', 'three', 'four', 'five'].map((n) => post('bea', `Bea ${n}`)),
      );
      // Bea's posts all go out while Ada's wait.
      for (const id of beas)
        await eventually(async () => (await state(id)) === 'completed', 20_000, `bea's ${id}`);
      expect(sent('tok-bea', 201)).toHaveLength(5);
      await eventually(
        async () => (await Promise.all(adas.map(state))).every((s) => s === 'delayed'),
        20_000,
        "ada's posts waiting",
      );
      // Ada's later posts did not call X: only the one 429.
      expect(sent('tok-ada', 429)).toHaveLength(1);
      expect(await app.get(CircuitBreakers).state('twitter')).toEqual({
        provider: 'twitter',
        state: 'closed',
      });

      // Admins see who is held and until when; metrics count them without naming them.
      const admin = (await api.login('ops@limits.test', 'ops-password-1')).token;
      const held = await api.call('get', '/jobs/breakers/accounts', admin).expect(200);
      const readAt = Date.now();
      const twitter = (
        held.body as {
          platform: string;
          count: number;
          accounts: { userId: string; until: string }[];
        }[]
      ).find((p) => p.platform === 'twitter');
      expect(twitter).toMatchObject({ count: 1, accounts: [{ userId: 'ada' }] });
      const until = Date.parse(twitter!.accounts[0].until);
      expect(until).toBeGreaterThanOrEqual(limitedFrom + RETRY_AFTER_S * 1000);
      expect(until).toBeLessThanOrEqual(readAt + RETRY_AFTER_S * 1000);
      const dashboard = await api.call('get', '/jobs/dashboard', admin).expect(200);
      expect(dashboard.body.heldAccounts).toContainEqual({ platform: 'twitter', count: 1 });
      const metrics = await app.get(Metrics).registry.metrics();
      expect(metrics).toMatch(/click_social_accounts_held\{platform="twitter"\} 1\b/);
      expect(metrics).not.toMatch(/ada/);

      // After the Retry-After, each of Ada's posts goes out once.
      limited = false;
      for (const id of adas)
        await eventually(
          async () => (await state(id)) === 'completed',
          (RETRY_AFTER_S + 30) * 1000,
          `ada's ${id} after the Retry-After`,
        );
      expect(Date.now()).toBeGreaterThanOrEqual(until);
      const texts = sent('tok-ada', 201).map((t) => (t.request.body as { text: string }).text);
      expect(texts.sort()).toEqual(['Ada one', 'Ada three', 'Ada two']);
    },
    (RETRY_AFTER_S + 90) * 1000,
  );

  it("opens the platform's breaker when X says the limit is the app's", async () => {
    replies.set('tok-cyd', () => ({
      status: 429,
      headers: { 'retry-after': '30', 'x-app-limit-24hour-remaining': '0' },
      body: { title: 'Too Many Requests' },
    }));
    const id = await post('cyd', 'Cyd one');
    await eventually(() => sent('tok-cyd', 429).length === 1, 20_000, "cyd's 429");
    await eventually(
      async () => (await app.get(CircuitBreakers).state('twitter')).state === 'open',
      10_000,
      'breaker open',
    );
    expect(await app.get(CircuitBreakers).state('twitter')).toMatchObject({
      reason: 'the provider asked to wait (Retry-After)',
    });
    expect(await state(id)).toBe('delayed');
    // Cyd's post runs again in 30 s: then X takes it, and the breaker stays closed for test 3.
    replies.delete('tok-cyd');
    await app.get(CircuitBreakers).close('twitter');
  });

  it("reads many accounts limited at once as the app's limit: the breaker opens", async () => {
    const limitedFor = (): Reply => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { title: 'Too Many Requests' },
    });
    replies.set('tok-dee', limitedFor);
    replies.set('tok-eve', limitedFor);
    await post('dee', 'Dee one');
    await eventually(() => sent('tok-dee', 429).length === 1, 20_000, "dee's 429");
    // One account held: still that account's own limit.
    expect((await app.get(CircuitBreakers).state('twitter')).state).toBe('closed');
    await post('eve', 'Eve one');
    await eventually(() => sent('tok-eve', 429).length === 1, 20_000, "eve's 429");
    await eventually(
      async () => (await app.get(CircuitBreakers).state('twitter')).state === 'open',
      10_000,
      'breaker open',
    );
    await app.get(CircuitBreakers).close('twitter');
  });
});
