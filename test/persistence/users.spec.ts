import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { ApiClient } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** Sign-up and sign-in reach users through `user_emails` (two `_id` reads), never by email. */
describe('users by keyed lookups', () => {
  const name = uniqueName('users');
  let app: TestApp;
  let api: ApiClient;
  let emails: ReturnType<Connection['collection']>;

  beforeAll(async () => {
    app = await startTestApp(name, {}, { listen: true });
    api = new ApiClient(app.app);
    emails = app.get<Connection>(getConnectionToken()).collection('user_emails');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const register = (email: string, userName = 'Someone') =>
    api.call('post', '/auth/register').send({ email, password: 'password123', name: userName });
  const login = (email: string, password = 'password123') =>
    api.call('post', '/auth/login').send({ email, password });

  it('registers, then signs in whatever the case and spaces of the address', async () => {
    const created = await register('  Mixed.Case@Example.COM ', 'Mixed');
    expect(created.status).toBe(201);
    expect(created.body.user.email).toBe('mixed.case@example.com');
    expect(await emails.findOne({ _id: 'mixed.case@example.com' as never })).toEqual({
      _id: 'mixed.case@example.com',
      userId: created.body.user.id,
      createdAt: expect.any(Date),
    });

    for (const email of ['MIXED.case@example.com', 'mixed.case@example.com ']) {
      const res = await login(email);
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual(created.body.user);
    }
    const wrong = await login('mixed.case@example.com', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      statusCode: 401,
      message: 'Invalid email or password',
      error: 'Unauthorized',
    });
    expect((await login('nobody@example.com')).status).toBe(401);
  });

  it('answers 409 to a second account for an address, whatever its case', async () => {
    expect((await register('dup@example.com', 'First')).status).toBe(201);
    const again = await register('DUP@Example.com', 'Second');
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      statusCode: 409,
      message: 'An account with this email already exists',
      error: 'Conflict',
    });
    expect((await login('dup@example.com')).body.user.name).toBe('First');
  });

  it('takes over an address left claimed by a registration that crashed before its user', async () => {
    const ghost = new Types.ObjectId().toHexString();
    await emails.insertOne({
      _id: 'crashed@example.com' as never,
      userId: ghost,
      createdAt: new Date(Date.now() - 10 * 60_000),
    });
    expect((await login('crashed@example.com')).status).toBe(401);

    const res = await register('Crashed@example.com', 'Second try');
    expect(res.status).toBe(201);
    expect(res.body.user.id).not.toBe(ghost);
    const signedIn = await login('crashed@example.com');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toEqual(res.body.user);
    expect((await register('crashed@example.com')).status).toBe(409);
  });

  it('does not take over a claim made moments ago (a registration still in progress)', async () => {
    await emails.insertOne({
      _id: 'inflight@example.com' as never,
      userId: new Types.ObjectId().toHexString(),
      createdAt: new Date(),
    });
    expect((await register('inflight@example.com')).status).toBe(409);
  });
});
