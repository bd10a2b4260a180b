import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { UsersService } from '../../src/auth/users.service';
import { ApiClient } from '../support/api-client';
import { AppProcess, scrapedCounter, spawnApp } from '../support/app-process';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

/**
 * Each API process answers signed-in requests from its own copy of the user (PrincipalCache),
 * and a change to a user made anywhere reaches every copy at once: here a second API process (a
 * real `node dist/main.js`) is asked right after the change's own call returned, with no wait.
 */
describe('a change to a user reaches every API process at once', () => {
  const name = uniqueName('principals');
  const env = testEnv(name, {
    // Both processes sign and read the same tokens.
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: 'root@click.test',
    ADMIN_PASSWORD: 'root-password',
  });
  let app: TestApp;
  let api: ApiClient;
  let other: AppProcess;

  beforeAll(async () => {
    app = await startTestApp(name, env);
    api = new ApiClient(app.app);
    other = await spawnApp({ ...env, APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await other?.stop();
    await dropTestData(app);
    await app.close();
  });

  /** How many signed-in requests the other process answered from its copy of the user. */
  const principalHits = () => scrapedCounter(other, 'click_auth_principals_total{outcome="hit"}');

  /** A call to the other process. */
  const there = (path: string, token: string) =>
    fetch(`${other.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses an erased user’s token in the other process on the very next request', async () => {
    const ada = await api.register('Ada');
    // The other process answers her from its copy (its counter of copy hits says so).
    const hitsBefore = await principalHits();
    await eventually(
      async () => {
        expect((await there('/auth/me', ada.token)).status).toBe(200);
        return (await principalHits()) > hitsBefore;
      },
      10_000,
      'the other process answering from its copy',
    );
    await api.call('get', '/auth/me', ada.token).expect(200);

    await api.call('delete', '/auth/me', ada.token).send({ password: 'password123' }).expect(200);
    const refused = await there('/auth/me', ada.token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toBe(
      'The account of this token no longer exists',
    );
    await api.call('get', '/auth/me', ada.token).expect(401);
  });

  it('applies a role given or taken through the users service on the next request everywhere', async () => {
    const bea = await api.register('Bea');
    const users = app.get(UsersService);
    const id = new Types.ObjectId(bea.user.id);
    const dashboard = () => there('/jobs/dashboard', bea.token);
    const hitsBefore = await principalHits();
    expect((await dashboard()).status).toBe(403);
    expect((await dashboard()).status).toBe(403);
    expect(await principalHits()).toBeGreaterThan(hitsBefore);
    await api.call('get', '/jobs/dashboard', bea.token).expect(403);

    await users.setRole(id, 'admin');
    expect((await dashboard()).status).toBe(200);
    await api.call('get', '/jobs/dashboard', bea.token).expect(200);
    expect(((await (await there('/auth/me', bea.token)).json()) as { role: string }).role).toBe(
      'admin',
    );

    await users.setRole(id, 'user');
    expect((await dashboard()).status).toBe(403);
    await api.call('get', '/jobs/dashboard', bea.token).expect(403);
  });
});
