import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store, storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { currentRequestId } from '../../src/common/log-context';
import { requestIdFor, withoutSecrets } from '../../src/infra/logging/pino-params';

function exchange(header?: string) {
  const headers: Record<string, string> = {};
  const req = { headers: header === undefined ? {} : { 'x-request-id': header } };
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
  const id = requestIdFor(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  return { id, returned: headers['X-Request-Id'] };
}

describe('log fields', () => {
  it('keeps a sane X-Request-Id, replaces anything else with a UUID, and returns it', () => {
    expect(exchange('abc-123.x:y_z')).toEqual({ id: 'abc-123.x:y_z', returned: 'abc-123.x:y_z' });
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'new\nline', '{"json":1}']) {
      const { id, returned } = exchange(bad);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(returned).toBe(id);
    }
  });

  it('redacts credentials in logged URLs and keeps the rest', () => {
    expect(withoutSecrets('/admin/queues?token=eyJabc.def&page=2')).toBe(
      '/admin/queues?token=[redacted]&page=2',
    );
    expect(withoutSecrets('/x?a=1&access_token=s3cret&PASSWORD=p')).toBe(
      '/x?a=1&access_token=[redacted]&PASSWORD=[redacted]',
    );
    expect(withoutSecrets('/api/jobs/user?limit=20')).toBe('/api/jobs/user?limit=20');
  });

  it('keeps the request id across awaits inside the handler, and nowhere else', async () => {
    expect(currentRequestId()).toBeUndefined();
    // What nestjs-pino does per request: pino-http's child logger, bound to `requestId`.
    const logger = pino({ enabled: false }).child({ requestId: 'r1' });
    const seen = await storage.run(new Store(logger), async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentRequestId();
    });
    expect(seen).toBe('r1');
    expect(currentRequestId()).toBeUndefined();
  });
});
