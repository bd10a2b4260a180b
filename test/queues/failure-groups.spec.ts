import { FailureGroup, QueuesService } from '../../src/queues';
import { AuditLogService } from '../../src/jobs/audit/audit-log.service';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { ApiClient } from '../support/api-client';
import { AppProcess, spawnApp } from '../support/app-process';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

/** Failed jobs grouped by cause, across two worker processes, and bulk retry and discard. */
describe('failures grouped by cause', () => {
  const name = uniqueName('failgroups');
  let llm: HttpFake;
  let app: TestApp;
  let workers: AppProcess[];
  let api: ApiClient;
  let admin: string;
  /** Texts the fake provider lets through from now on. */
  const healed = new Set<string>();

  beforeAll(async () => {
    llm = await HttpFake.start();
    llm.on('POST', '/v1/chat/completions', (request) => {
      const text = JSON.stringify(request.body);
      const item = /item (\d+)/.exec(text)?.[1] ?? '?';
      if ([...healed].some((h) => text.includes(h))) return chatCompletion({ text: 'Fine now.' });
      if (text.includes('refuse'))
        return { status: 400, body: { error: { message: `model refused item ${item}` } } };
      if (text.includes('long'))
        return {
          status: 422,
          body: { error: { message: `context too long (${5000 + Number(item)} tokens)` } },
        };
      return chatCompletion({ text: 'A post.' });
    });
    const env = {
      LLM_BASE_URL: `${llm.url}/v1`,
      ADMIN_EMAIL: 'ops@failures.test',
      ADMIN_PASSWORD: 'ops-password-1',
    };
    app = await startTestApp(name, { ...env, APP_ROLE: 'api' }, { listen: true });
    workers = await Promise.all([
      spawnApp(testEnv(name, { ...env, APP_ROLE: 'worker' })),
      spawnApp(testEnv(name, { ...env, APP_ROLE: 'worker' })),
    ]);
    api = new ApiClient(app.app);
    admin = (await api.login('ops@failures.test', 'ops-password-1')).token;
  });

  afterAll(async () => {
    await Promise.all((workers ?? []).map((w) => w.stop()));
    await dropTestData(app);
    await app.close();
    await llm.stop();
  });

  const queues = () => app.get(QueuesService);
  const add = (text: string) =>
    queues().addContentGenerationJob({ text, userId: 'u-fail', platforms: ['twitter'] });
  const settled = (jobIds: string[]) =>
    eventually(async () => {
      const states = await Promise.all(
        jobIds.map(async (id) => (await queues().getJobStatus('content-generation', id)).state),
      );
      return states.every((s) => s === 'completed' || s === 'failed') && states;
    }, 20_000);
  const groups = async (query = '') => {
    const res = await api.call('get', `/jobs/failures${query}`, admin);
    expect(res.status).toBe(200);
    return res.body as FailureGroup[];
  };

  it('groups failures by signature with counts, first and last seen, and samples; retries exactly a group, safely twice', async () => {
    const refused = await Promise.all([1, 2, 3, 4, 5].map((i) => add(`refuse item ${i}`)));
    const tooLong = await Promise.all([6, 7].map((i) => add(`long item ${i}`)));
    const fine = await add('fine item 8');
    await settled([...refused, ...tooLong, fine].map((j) => j.jobId));
    // Either worker process may have run any of them: the groups live in Redis, shared.
    const list = await eventually(async () => {
      const all = await groups('?queue=content-generation');
      return all.reduce((n, g) => n + g.count, 0) === 7 && all;
    });
    expect(list.map((g) => [g.signature, g.count]).sort()).toEqual([
      ['llm: HTTP 400: model refused item <n>', 5],
      ['llm: HTTP 422: context too long (<n> tokens)', 2],
    ]);
    const refusedGroup = list.find((g) => g.count === 5)!;
    expect(refusedGroup).toMatchObject({ queue: 'content-generation', name: 'generate-content' });
    expect(refusedGroup.sampleJobIds).toHaveLength(3);
    for (const id of refusedGroup.sampleJobIds) expect(refused.map((j) => j.jobId)).toContain(id);
    expect(Date.parse(refusedGroup.firstSeen)).toBeLessThanOrEqual(
      Date.parse(refusedGroup.lastSeen),
    );
    expect(await groups('?queue=email-sending')).toEqual([]);
    expect(await groups(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);

    // The provider is fixed for the refused items: a bulk retry runs exactly those five again.
    healed.add('refuse');
    const before = llm.requests.length;
    const retried = await api.call('post', `/jobs/failures/${refusedGroup.id}/retry`, admin);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ groupId: refusedGroup.id, touched: 5, skipped: 0 });
    const after = await settled(refused.map((j) => j.jobId));
    expect(after).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    const rerun = llm.requests.slice(before).map((r) => JSON.stringify(r.body));
    expect(rerun.filter((b) => b.includes('refuse'))).toHaveLength(5);
    expect(rerun.filter((b) => b.includes('long') || b.includes('fine'))).toHaveLength(0);
    // Twice is safe; the other group is untouched.
    expect((await api.call('post', `/jobs/failures/${refusedGroup.id}/retry`, admin)).body).toEqual(
      { groupId: refusedGroup.id, touched: 0, skipped: 0 },
    );
    expect((await groups()).map((g) => [g.signature, g.count])).toEqual([
      ['llm: HTTP 422: context too long (<n> tokens)', 2],
    ]);
    const audit = await app.get(AuditLogService).list(10);
    expect(audit.items.map((e) => e.action)).toEqual(expect.arrayContaining(['failures.retry']));
  });

  it('discards a group: its jobs leave Redis, their records stay; unknown groups are 404', async () => {
    const [group] = await groups();
    const [sample] = group.sampleJobIds;
    const discarded = await api.call('post', `/jobs/failures/${group.id}/discard`, admin);
    expect(discarded.body).toEqual({ groupId: group.id, touched: 2, skipped: 0 });
    expect(await groups()).toEqual([]);
    const counts = await queues().getQueueStats('content-generation');
    expect(counts.failed).toBe(0);
    const records = app.get(JobRecordsService);
    await records.flush();
    expect(await records.findById(sample)).toEqual(expect.objectContaining({ state: 'failed' }));
    expect((await api.call('post', '/jobs/failures/0123456789abcdef/retry', admin)).status).toBe(
      404,
    );
    expect((await api.call('post', '/jobs/failures/not-an-id/discard', admin)).status).toBe(404);
    expect((await api.call('get', '/jobs/failures?since=yesterday', admin)).body.message).toEqual([
      'since must be an ISO 8601 date-time',
    ]);
    expect((await api.call('get', '/jobs/failures?queue=nope', admin)).status).toBe(400);
  });
});
