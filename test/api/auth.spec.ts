import { FakeSmtp } from '../support/fakes/smtp';
import { ApiClient } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

describe('auth', () => {
  const name = uniqueName('auth');
  const admin = { ADMIN_EMAIL: 'Root@Click.test', ADMIN_PASSWORD: 'root-password-1' };
  let smtp: FakeSmtp;
  let app: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    smtp = await FakeSmtp.start();
    app = await startTestApp(name, { ...admin, SMTP_URL: smtp.url }, { listen: true });
    api = new ApiClient(app.app);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await smtp.stop();
  });

  it('registers a user: 201 with the user and a token, never the password, and a welcome email', async () => {
    const res = await api
      .call('post', '/auth/register')
      .send({ email: '  Grace@Example.COM ', password: 'hopper-1906', name: ' Grace ' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: 'grace@example.com',
      name: 'Grace',
      role: 'user',
      createdAt: expect.any(String),
    });
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/hopper|passwordHash|scrypt/);

    const mails = await smtp.waitFor(1);
    const welcome = mails.find((m) => m.to.includes('grace@example.com'))!;
    expect(welcome.subject).toBe('Welcome to Click, Grace!');

    const jobs = await api.call('get', '/jobs/user', res.body.accessToken as string);
    expect(jobs.body.items).toEqual([
      expect.objectContaining({ queue: 'email-sending', name: 'send-email' }),
    ]);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    await api
      .call('post', '/auth/register')
      .send({ email: 'twice@example.com', password: 'password123', name: 'One' })
      .expect(201);
    const res = await api
      .call('post', '/auth/register')
      .send({ email: 'TWICE@example.com', password: 'password123', name: 'Two' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      statusCode: 409,
      message: 'An account with this email already exists',
      error: 'Conflict',
    });
  });

  it('names every bad field of a registration', async () => {
    const res = await api
      .call('post', '/auth/register')
      .send({ email: 'nope', password: 'short', name: '', role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Bad Request');
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        'property role should not exist',
        'email must be a valid email address',
        'password must be longer than or equal to 8 characters',
        'name should not be empty',
      ]),
    );
  });

  it('signs in with the right password only, with one answer for a wrong password and an unknown email', async () => {
    const { user } = await api.register('Linus');
    const ok = await api
      .call('post', '/auth/login')
      .send({ email: user.email.toUpperCase(), password: 'password123' });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(user.id);

    const wrong = await api
      .call('post', '/auth/login')
      .send({ email: user.email, password: 'password124' });
    const unknown = await api
      .call('post', '/auth/login')
      .send({ email: 'nobody@example.com', password: 'password123' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.message).toBe('Invalid email or password');
  });

  it('answers /auth/me only with a valid token', async () => {
    const { token, user } = await api.register('Margaret');
    const me = await api.call('get', '/auth/me', token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email, role: 'user' });
    expect((await api.call('get', '/auth/me')).status).toBe(401);
    expect((await api.call('get', '/auth/me', `${token}x`)).status).toBe(401);
    expect((await api.call('get', '/auth/me', 'not.a.token')).body).toEqual({
      statusCode: 401,
      message: 'The access token is invalid or has expired',
      error: 'Unauthorized',
    });
  });

  it('creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD, once, however often it starts', async () => {
    const second = await startTestApp(name, { ...admin, APP_ROLE: 'api' }, { listen: true });
    await second.close();
    const session = await api.login('root@click.test', 'root-password-1');
    expect(session.user.role).toBe('admin');
    expect((await api.call('get', '/jobs/dashboard/stats', session.token)).status).toBe(200);
  });
});
