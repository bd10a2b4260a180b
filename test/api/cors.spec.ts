import request from 'supertest';
import type { App } from 'supertest/types';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const FRONTEND = 'https://app.example.com';
const ELSEWHERE = 'https://evil.example.net';

/** A frontend on another site may call the API and open sockets; other sites may not. */
describe('CORS for the configured origins', () => {
  let app: TestApp;
  let server: App;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('cors'),
      { APP_ROLE: 'api', CORS_ORIGINS: `${FRONTEND},http://localhost:5173` },
      { listen: true },
    );
    server = app.app.getHttpServer() as App;
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const preflight = (origin: string) =>
    request(server)
      .options('/api/jobs/user')
      .set('origin', origin)
      .set('access-control-request-method', 'GET')
      .set('access-control-request-headers', 'authorization');

  it('answers the API preflight for a listed origin only', async () => {
    const allowed = await preflight(FRONTEND).expect(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(FRONTEND);
    expect(allowed.headers['access-control-allow-headers']).toMatch(/authorization/i);
    const refused = await preflight(ELSEWHERE);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('puts the header on errors too, so the frontend can read the status', async () => {
    const malformed = await request(server)
      .post('/api/auth/login')
      .set('origin', FRONTEND)
      .set('content-type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(malformed.headers['access-control-allow-origin']).toBe(FRONTEND);
    const anonymous = await request(server)
      .get('/api/jobs/user')
      .set('origin', FRONTEND)
      .expect(401);
    expect(anonymous.headers['access-control-allow-origin']).toBe(FRONTEND);
  });

  it('lets a listed origin open a socket.io connection, and no other', async () => {
    const handshake = (origin: string) =>
      request(server).get('/socket.io/?EIO=4&transport=polling').set('origin', origin).expect(200);
    expect((await handshake(FRONTEND)).headers['access-control-allow-origin']).toBe(FRONTEND);
    expect((await handshake(ELSEWHERE)).headers['access-control-allow-origin']).toBeUndefined();
  });
});
