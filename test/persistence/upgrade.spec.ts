import { randomBytes } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, createConnection, Types } from 'mongoose';
import { hashPassword } from '../../src/auth/password-hasher';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { TokenCipher } from '../../src/social/token-cipher';
import { ApiClient } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { mongoUriFor, uniqueName } from '../support/test-env';

/**
 * A database written by the previous version (users found by their email field, social accounts
 * with ObjectId ids) is served as before once the new version has started.
 */
describe('upgrade from the previous data shapes', () => {
  const name = uniqueName('upgrade');
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  const ada = new Types.ObjectId();
  const linkedAt = new Date('2024-03-01T10:00:00.000Z');
  let app: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    const raw = await createConnection(mongoUriFor(name)).asPromise();
    try {
      const db = raw.db!;
      await db.collection('users').createIndex({ email: 1 }, { unique: true });
      await db
        .collection('social_accounts')
        .createIndex({ ownerId: 1, platform: 1 }, { unique: true });
      const at = new Date('2024-01-01T00:00:00.000Z');
      await db.collection('users').insertMany([
        {
          _id: ada,
          email: 'ada@example.com',
          passwordHash: await hashPassword('ada-password'),
          name: 'Ada',
          role: 'user',
          createdAt: at,
          updatedAt: at,
        },
        {
          _id: new Types.ObjectId(),
          email: 'grace@example.com',
          passwordHash: await hashPassword('grace-password'),
          name: 'Grace',
          role: 'admin',
          createdAt: at,
          updatedAt: at,
        },
      ]);
      const account = (platform: string, token: string, extra: object = {}) => ({
        _id: new Types.ObjectId(),
        ownerId: ada.toHexString(),
        platform,
        tokenCiphertext: cipher.encrypt(token),
        tokenHint: `…${token.slice(-4)}`,
        createdAt: linkedAt,
        updatedAt: linkedAt,
        ...extra,
      });
      await db
        .collection('social_accounts')
        .insertMany([
          account('twitter', 'tw-old-token-1234', { handle: '@ada' }),
          account('linkedin', 'li-old-token-5678', { externalId: 'urn:li:person:ada' }),
        ]);
    } finally {
      await raw.close();
    }
    app = await startTestApp(name, { TOKEN_ENCRYPTION_KEY: key.toString('hex') }, { listen: true });
    api = new ApiClient(app.app);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('signs in the users of the old version, and keeps their addresses taken', async () => {
    const session = await api.login('ADA@example.com', 'ada-password');
    expect(session.user).toMatchObject({ id: ada.toHexString(), name: 'Ada', role: 'user' });
    expect((await api.login('grace@example.com', 'grace-password')).user.role).toBe('admin');
    const again = await api
      .call('post', '/auth/register')
      .send({ email: 'Ada@example.com', password: 'password123', name: 'Impostor' });
    expect(again.status).toBe(409);
  });

  it('lists and uses the social accounts linked under the old version', async () => {
    const { token } = await api.login('ada@example.com', 'ada-password');
    const res = await api.call('get', '/social/accounts', token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        platform: 'linkedin',
        externalId: 'urn:li:person:ada',
        tokenHint: '…5678',
        linkedAt: linkedAt.toISOString(),
      },
      { platform: 'twitter', handle: '@ada', tokenHint: '…1234', linkedAt: linkedAt.toISOString() },
    ]);
    const accounts = app.get(SocialAccountsService);
    expect(await accounts.credentials(ada.toHexString(), 'twitter')).toEqual({
      token: 'tw-old-token-1234',
    });
    expect(await accounts.credentials(ada.toHexString(), 'linkedin')).toEqual({
      token: 'li-old-token-5678',
      externalId: 'urn:li:person:ada',
    });

    // Re-linking replaces the moved account instead of adding a second one; linkedAt stays.
    const relinked = await api
      .call('post', '/social/accounts', token)
      .send({ platform: 'twitter', accessToken: 'tw-new-token-9999' });
    expect(relinked.status).toBe(201);
    expect(relinked.body).toMatchObject({ tokenHint: '…9999', linkedAt: linkedAt.toISOString() });
    expect((await api.call('get', '/social/accounts', token)).body).toHaveLength(2);
    await api.call('delete', '/social/accounts/twitter', token).expect(204);
    await api.call('delete', '/social/accounts/twitter', token).expect(404);
  });

  it('records each migration as done, so a restart reads one document instead of scanning', async () => {
    const db = app.get<Connection>(getConnectionToken());
    const done = await db.collection<{ _id: string }>('migrations').find({}).toArray();
    expect(done.map((d) => d._id).sort()).toEqual(['social-accounts-keyed-v1', 'user-emails-v1']);
    const accounts = await db.collection('social_accounts').find({}).toArray();
    expect(accounts.map((a) => a._id)).toEqual([`${ada.toHexString()}:linkedin`]);
  });
});
