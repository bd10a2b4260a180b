import { Types } from 'mongoose';
import { ContentService } from '../../src/content/content.service';
import { JobIntents } from '../../src/queues';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * Content documents and job intents are inserted in groups (GroupInsert): requests arriving
 * together share one insertMany, and each gets its own document's outcome.
 */
describe('grouped inserts', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('inserts'), { APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('stores each content document whole, and refuses only the one whose id is taken', async () => {
    const contents = app.get(ContentService);
    const taken = new Types.ObjectId().toHexString();
    await contents.create('owner-1', { sourceText: 'first' }, taken);
    // Sent together: one batch.
    const outcomes = await Promise.allSettled([
      contents.create('owner-1', { sourceText: 'a text' }),
      contents.create('owner-1', { sourceText: 'again' }, taken),
      contents.create('owner-2', { title: 'clip.mp4', status: 'processing' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 11000 });

    const first = await contents.findById((outcomes[0] as PromiseFulfilledResult<string>).value);
    expect(first).toMatchObject({
      ownerId: 'owner-1',
      sourceText: 'a text',
      status: 'draft',
      posts: {},
      published: {},
      media: {},
    });
    expect(first!.createdAt).toBeInstanceOf(Date);
    expect(first).not.toHaveProperty('title');
    const clip = await contents.findById((outcomes[2] as PromiseFulfilledResult<string>).value);
    expect(clip).toMatchObject({ ownerId: 'owner-2', title: 'clip.mp4', status: 'processing' });
    expect(clip).not.toHaveProperty('sourceText');
    // The taken id still holds the first document.
    expect(await contents.findById(taken)).toMatchObject({ sourceText: 'first' });
  });

  it('counts an intent written twice as written (a retried add)', async () => {
    const intents = app.get(JobIntents);
    const intent = {
      _id: `intent-${Date.now()}`,
      queue: 'email-sending',
      name: 'send-email',
      ownerId: 'owner-1',
      data: { to: 'a@example.com' },
      priority: 0,
      createdAt: new Date(),
    };
    await intents.write(intent);
    await expect(
      Promise.all([intents.write(intent), intents.write({ ...intent, _id: `${intent._id}-b` })]),
    ).resolves.toEqual([undefined, undefined]);
    expect(await intents.findById(`${intent._id}-b`)).toMatchObject({ queue: 'email-sending' });
  });
});
