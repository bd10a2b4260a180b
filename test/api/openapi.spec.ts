import { AppProcess, spawnApp } from '../support/app-process';
import { testEnv, uniqueName } from '../support/test-env';

/** The built app (with the swagger CLI plugin applied at build time) serves its OpenAPI document. */
describe('OpenAPI at /api/docs', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await spawnApp(testEnv(uniqueName('docs'), { APP_ROLE: 'api' }));
  });

  afterAll(() => app?.stop());

  it('serves the Swagger UI page', async () => {
    const res = await fetch(`${app.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('lists every route with bearer auth and its response codes', async () => {
    const doc = (await (await fetch(`${app.url}/api/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, unknown>; security?: unknown[]; summary?: string }
        >
      >;
      components: {
        securitySchemes: Record<string, unknown>;
        schemas: Record<string, { properties?: Record<string, unknown> }>;
      };
    };
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /api/health',
        'GET /api/health/live',
        'GET /api/health/ready',
        'POST /api/auth/register',
        'POST /api/auth/login',
        'GET /api/auth/me',
        'GET /api/auth/me/export',
        'DELETE /api/auth/me',
        'DELETE /api/users/{id}',
        'GET /api/jobs/user',
        'GET /api/jobs/user/{jobId}',
        'POST /api/jobs/user/{jobId}/cancel',
        'GET /api/jobs/dashboard',
        'GET /api/jobs/dashboard/stats',
        'GET /api/jobs/dashboard/jobs/{queueName}',
        'GET /api/jobs/status/{queueName}/{jobId}',
        'GET /api/jobs/stats/{queueName}',
        'POST /api/jobs/cancel/{queueName}/{jobId}',
        'POST /api/jobs/retry/{queueName}/{jobId}',
        'POST /api/jobs/queues/{queueName}/pause',
        'POST /api/jobs/queues/{queueName}/resume',
        'POST /api/jobs/queues/{queueName}/retry-failed',
        'GET /api/jobs/audit',
        'GET /api/jobs/failures',
        'GET /api/jobs/search',
        'GET /api/jobs/breakers',
        'GET /api/jobs/breakers/accounts',
        'POST /api/jobs/breakers/{provider}/open',
        'POST /api/jobs/breakers/{provider}/close',
        'POST /api/jobs/failures/{groupId}/retry',
        'POST /api/jobs/failures/{groupId}/discard',
        'GET /api/jobs/maintenance',
        'POST /api/jobs/maintenance/{task}',
        'POST /api/content/generate',
        'GET /api/content/{id}',
        'GET /api/content/{id}/files/{name}',
        'POST /api/posts',
        'POST /api/transcripts',
        'POST /api/videos',
        'POST /api/social/accounts',
        'GET /api/social/accounts',
        'DELETE /api/social/accounts/{platform}',
      ].sort(),
    );
    // The OpenAPI document is the API reference: every operation says what it does.
    const unsummarised = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => !(op.summary && op.summary.trim().length > 10))
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    expect(unsummarised).toEqual([]);
    expect(doc.components.securitySchemes.bearer).toBeDefined();
    const admin = doc.paths['/api/jobs/dashboard'].get;
    expect(Object.keys(admin.responses).sort()).toEqual(['200', '401', '403', '429']);
    expect(admin.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths['/api/videos'].post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '413', '429', '503']),
    );
    // DTO fields come from the class-validator decorators through the build's swagger plugin.
    expect(Object.keys(doc.components.schemas.RegisterDto.properties ?? {}).sort()).toEqual([
      'email',
      'name',
      'password',
    ]);
    expect(Object.keys(doc.components.schemas.SubmitPostDto.properties ?? {}).sort()).toEqual([
      'content',
      'contentId',
      'deadline',
      'platforms',
      'scheduledAt',
    ]);
  });
});
