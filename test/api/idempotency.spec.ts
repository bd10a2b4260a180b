import { ApiClient, Session } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** Idempotency-Key on submissions: one job per key and request, the first answer replayed. */
describe('Idempotency-Key', () => {
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('idem'), { APP_ROLE: 'api' }, { listen: true });
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
    bob = await api.register('Bob');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const generate = (who: Session, key: string | undefined, text = 'Idempotent launch notes.') => {
    const req = api.call('post', '/content/generate', who.token);
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send({ text, platforms: ['twitter'] });
  };
  const contentJobs = async (who: Session) =>
    (
      (await api.call('get', '/jobs/user?queue=content-generation', who.token)).body as {
        items: { id: string }[];
      }
    ).items.map((j) => j.id);

  it('makes one job of ten concurrent identical requests', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => generate(alice, 'k-burst-1')),
    );
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    // The others were told the first is still running (or got its answer replayed).
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer.status).toBe(409);
      expect(answer.body.message).toBe(
        'A request with Idempotency-Key "k-burst-1" is still running',
      );
    }
    const ids = new Set(accepted.map((a) => a.body.jobId as string));
    expect(ids.size).toBe(1);
    expect(await contentJobs(alice)).toEqual([...ids]);
  });

  it('answers a retry after a lost response with the original job', async () => {
    const first = await generate(alice, 'k-retry-1', 'Retried after a timeout.');
    expect(first.status).toBe(202);
    const again = await generate(alice, 'k-retry-1', 'Retried after a timeout.');
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await contentJobs(alice)).filter((id) => id === first.body.jobId)).toHaveLength(1);
  });

  it('refuses the same key with a different request (422), keeps keys per user, and checks the key', async () => {
    await generate(alice, 'k-shared', 'First body.');
    const other = await generate(alice, 'k-shared', 'A different body.');
    expect(other.status).toBe(422);
    expect(other.body.message).toBe(
      'Idempotency-Key "k-shared" was already used with a different request',
    );
    const bobs = await generate(bob, 'k-shared', 'A different body.');
    expect(bobs.status).toBe(202);
    expect(await contentJobs(bob)).toEqual([bobs.body.jobId]);
    for (const bad of ['x'.repeat(256), 'has space'])
      expect((await generate(alice, bad)).body.message).toEqual([
        'Idempotency-Key must be 1 to 255 visible ASCII characters',
      ]);
    // Without a key nothing changes: two requests, two jobs.
    const [a, b] = [
      await generate(alice, undefined, 'No key.'),
      await generate(alice, undefined, 'No key.'),
    ];
    expect(a.body.jobId).not.toBe(b.body.jobId);
  });

  it('keeps no answer for a refused request: the corrected retry with the same key goes through', async () => {
    const refused = await api
      .call('post', '/content/generate', alice.token)
      .set('Idempotency-Key', 'k-fix-1')
      .send({ text: 'Fix me.', platforms: ['myspace'] });
    expect(refused.status).toBe(400);
    const fixed = await api
      .call('post', '/content/generate', alice.token)
      .set('Idempotency-Key', 'k-fix-1')
      .send({ text: 'Fix me.', platforms: ['twitter'] });
    expect(fixed.status).toBe(202);
    const posts = await api
      .call('post', '/posts', alice.token)
      .set('Idempotency-Key', 'k-fix-1')
      .send({ platforms: ['twitter'], content: { text: 'Same key, another route' } });
    // The same key on another route is another request.
    expect(posts.status).toBe(422);
  });
});
