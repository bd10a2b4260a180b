import { AuditLogService } from '../../src/jobs/audit/audit-log.service';
import { CircuitBreakers, QueueRegistry, QueuesService } from '../../src/queues';
import { ApiClient } from '../support/api-client';
import { AppProcess, spawnApp } from '../support/app-process';
import { chatCompletion, HttpFake, RecordedRequest } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

/** A provider outage opens its breaker: queued jobs wait instead of burning their attempts. */
describe('circuit breaker per provider, across two worker processes', () => {
  const name = uniqueName('breaker');
  let llm: HttpFake;
  let app: TestApp;
  let workers: AppProcess[];
  /** Set once the test has looked at the open breaker: from then on the provider answers. */
  let recovered = false;
  let recover: () => void = () => undefined;
  const recovery = new Promise<void>((resolve) => (recover = resolve));
  let outageAnswers = 0;
  /** The breaker's state when each call reached the provider. */
  const stateOnArrival = new Map<RecordedRequest, string>();

  beforeAll(async () => {
    llm = await HttpFake.start();
    llm.on('POST', '/v1/chat/completions', async (request) => {
      if (recovered) return chatCompletion({ text: 'Back in business.' });
      // The trial call after the cool-down (the only call a half-open breaker admits) waits
      // until the test has looked at the open breaker, then succeeds: however slow the machine,
      // the breaker opens once and closes once.
      const { state } = await app.get(CircuitBreakers).state('llm');
      stateOnArrival.set(request, state);
      if (state === 'half-open') {
        await recovery;
        return chatCompletion({ text: 'Back in business.' });
      }
      outageAnswers++;
      return { status: 503, body: { error: { message: 'overloaded' } } };
    });
    const env = {
      LLM_BASE_URL: `${llm.url}/v1`,
      BREAKER_MIN_CALLS: '3',
      BREAKER_FAILURE_PERCENT: '50',
      BREAKER_COOLDOWN_MS: '1500',
      QUEUE_CONTENT_GENERATION_CONCURRENCY: '1',
      QUEUE_CONTENT_GENERATION_RATE_MAX: '1000',
      JOB_BACKOFF_DELAY_MS: '300',
      ADMIN_EMAIL: 'ops@breaker.test',
      ADMIN_PASSWORD: 'ops-password-1',
    };
    app = await startTestApp(name, { ...env, APP_ROLE: 'api' }, { listen: true });
    workers = await Promise.all([
      spawnApp(testEnv(name, { ...env, APP_ROLE: 'worker' })),
      spawnApp(testEnv(name, { ...env, APP_ROLE: 'worker' })),
    ]);
  });

  afterAll(async () => {
    await Promise.all((workers ?? []).map((w) => w.stop()));
    await dropTestData(app);
    await app.close();
    await llm.stop();
  });

  it('opens on a burst of 503s, holds the queued jobs without spending attempts, and closes after a good trial call', async () => {
    const queues = app.get(QueuesService);
    const breakers = app.get(CircuitBreakers);
    const jobs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        queues.addContentGenerationJob({
          text: `Post number ${i}`,
          userId: 'u-breaker',
          platforms: ['twitter'],
        }),
      ),
    );
    // Open, or half-open once the cool-down is over and the (held) trial call has gone.
    const open = await eventually(async () => {
      const state = await breakers.state('llm');
      return state.state !== 'closed' && state;
    }, 20_000);
    const reason = /^(\d+) of (\d+) calls failed$/.exec(open.reason ?? '');
    expect(reason).not.toBeNull();
    const recordedCalls = Number(reason![2]);
    const openedAt = Date.parse(open.openedAt!);
    const until = Date.parse(open.until!);
    expect(until - openedAt).toBe(1500);
    // The admin dashboard shows it: open until the cool-down ends, half-open after (the trial
    // call is held), never closed while the provider fails.
    const api = new ApiClient(app.app);
    const admin = (await api.login('ops@breaker.test', 'ops-password-1')).token;
    const dashboard = await api.call('get', '/jobs/dashboard', admin);
    const answeredAt = Date.now();
    expect(dashboard.body.breakers).toContainEqual({
      provider: 'llm',
      state: answeredAt < until ? 'open' : expect.stringMatching(/^(open|half-open)$/),
      until: open.until,
      openedAt: open.openedAt,
      reason: open.reason,
    });
    const url = (await app.app.getUrl()).replace('[::1]', '127.0.0.1');
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /^click_breaker_open\{provider="llm"\} 1$/m,
    );
    // While it is open, no call is admitted, not even a trial call: what reaches the provider
    // between openedAt and the end of the cool-down was admitted before it opened, and each
    // worker runs one job (one call) at a time, so that is at most the call in flight on the
    // other worker. Strictly after openedAt: the opener's own call can be recorded by the fake
    // in openedAt's millisecond (both clocks read Date.now()), and it came before the opening.
    await eventually(() => Date.now() >= until);
    const arrivedWhileOpen = llm.requests.filter((r) => r.at > openedAt && r.at < until);
    expect(arrivedWhileOpen.length).toBeLessThanOrEqual(1);
    const seenWhileOpen = await eventually(
      () =>
        arrivedWhileOpen.every((r) => stateOnArrival.has(r)) &&
        arrivedWhileOpen.map((r) => stateOnArrival.get(r)),
    );
    // None was the trial call (half-open). One may still read `closed`: admitted just before the
    // opening took effect (openedAt is the opener's clock, a moment before its script ran).
    expect(seenWhileOpen.filter((state) => state === 'half-open')).toEqual([]);
    // The calls it counted all came before it opened: each read the breaker closed on arrival
    // (the fake reads it before answering, and a call is counted only after its answer). Judged by
    // that order rather than by clocks: a worker can read openedAt and stall before its script
    // runs, while another's call lands and is counted.
    expect(
      [...stateOnArrival.values()].filter((s) => s === 'closed').length,
    ).toBeGreaterThanOrEqual(recordedCalls);

    recovered = true;
    recover();
    const statuses = await eventually(async () => {
      const all = await Promise.all(
        jobs.map((j) => queues.getJobStatus('content-generation', j.jobId)),
      );
      return all.every((s) => s.state === 'completed' || s.state === 'failed') && all;
    }, 30_000);
    expect(statuses.map((s) => s.state)).toEqual(jobs.map(() => 'completed'));
    // Only the calls made before it opened (those it counted, plus at most the one in flight on
    // the other worker) failed and spent an attempt; the trial call succeeded.
    expect(outageAnswers).toBeGreaterThanOrEqual(recordedCalls);
    expect(outageAnswers).toBeLessThanOrEqual(recordedCalls + 1);
    const spent = statuses.filter((s) => s.attemptsMade > 1).length;
    expect(spent).toBeLessThanOrEqual(outageAnswers);
    expect(statuses.filter((s) => s.attemptsMade === 1).length).toBeGreaterThanOrEqual(
      jobs.length - outageAnswers,
    );
    expect(await breakers.state('llm')).toEqual({ provider: 'llm', state: 'closed' });
    // The worker that saw it open and close wrote both to the audit log, as system events.
    const audit = await eventually(async () => {
      const page = await app.get(AuditLogService).list(50);
      const events = page.items.filter((e) => e.actorId === 'system');
      return events.length >= 2 && events;
    });
    expect(audit.map((e) => [e.action, e.target.provider]).reverse()).toEqual([
      ['breaker.opened', 'llm'],
      ['breaker.closed', 'llm'],
    ]);
  });

  it('holds an email while the SMTP breaker is open (opened by hand), then sends it', async () => {
    const api = new ApiClient(app.app);
    const admin = (await api.login('ops@breaker.test', 'ops-password-1')).token;
    // Open for longer than the test takes, so the email is held however late a worker gets to
    // it (the admin route opens for the 1.5 s cool-down; the test below uses it).
    await app.get(CircuitBreakers).open('smtp', 'opened by the test', 10 * 60_000);
    const queues = app.get(QueuesService);
    const job = await queues.addEmailJob({ to: 'held@example.com', template: 'welcome' });
    const held = await eventually(async () => {
      const status = await queues.getJobStatus('email-sending', job.jobId);
      return status.state === 'delayed' && status;
    }, 10_000);
    expect(held.attemptsMade).toBe(0);
    expect((await api.call('post', '/jobs/breakers/smtp/close', admin)).status).toBe(200);
    // Its hold ends (as when the breaker's open time is over): the closed breaker lets it go.
    const emails = await app.get(QueueRegistry).use('email-sending');
    await (await emails.getJob(job.jobId))!.promote();
    const sent = await eventually(async () => {
      const status = await queues.getJobStatus('email-sending', job.jobId);
      return status.state === 'completed' && status;
    }, 10_000);
    expect(sent.attemptsMade).toBe(1);
  });

  it('lets an admin open and close a breaker by hand (audited); others get 403', async () => {
    const api = new ApiClient(app.app);
    const admin = (await api.login('ops@breaker.test', 'ops-password-1')).token;
    const opened = await api.call('post', '/jobs/breakers/smtp/open', admin);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ provider: 'smtp', state: 'open' });
    const closed = await api.call('post', '/jobs/breakers/smtp/close', admin);
    expect(closed.body).toEqual({ provider: 'smtp', state: 'closed' });
    expect((await api.call('post', '/jobs/breakers/fax/open', admin)).status).toBe(404);
    const user = await api.register('Eve');
    expect((await api.call('post', '/jobs/breakers/smtp/open', user.token)).status).toBe(403);
    const audit = await api.call('get', '/jobs/audit?limit=10', admin);
    expect((audit.body.items as { action: string }[]).map((e) => e.action)).toEqual(
      expect.arrayContaining(['breaker.open', 'breaker.close']),
    );
  });
});
