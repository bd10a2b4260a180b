import { eventually } from '../support/test-app';
import { HttpFake } from '../support/fakes/http-fake';
import { uniqueName } from '../support/test-env';
import { callJson, spawnPair, SpawnedPair } from './spawned-pair';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface Export {
  resourceSpans: {
    resource: { attributes: { key: string; value: { intValue?: number | string } }[] };
    scopeSpans: { spans: Span[] }[];
  }[];
}

/** OTLP span kinds. */
const SERVER = 2;
const CONSUMER = 5;

describe('traces (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  const name = uniqueName('traces');
  let collector: HttpFake;
  let pair: SpawnedPair;

  beforeAll(async () => {
    // An OTLP/HTTP collector on loopback: the SDK posts JSON to /v1/traces.
    collector = await HttpFake.start();
    collector.on('POST', '/v1/traces', () => ({ status: 200, body: {} }));
    pair = await spawnPair(name, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await pair?.dispose();
    await collector?.stop();
  });

  /** Spans received so far, each with the pid of the process that sent it. */
  function spans(): (Span & { pid: number })[] {
    return collector.requests.flatMap((request) =>
      (request.body as Export).resourceSpans.flatMap(({ resource, scopeSpans }) => {
        const pid = Number(
          resource.attributes.find((a) => a.key === 'process.pid')?.value.intValue,
        );
        return scopeSpans.flatMap(({ spans }) => spans.map((span) => ({ ...span, pid })));
      }),
    );
  }

  it('one trace spans the HTTP request in the API process and the job it queued in the worker process', async () => {
    const registered = await callJson(pair.api, 'POST', '/auth/register', {
      email: 'traced@traces.test',
      password: 'password123',
      name: 'Traced',
    });
    expect(registered.status).toBe(201);

    const request = await eventually(
      () =>
        spans().find(
          (s) => s.kind === SERVER && s.pid === pair.api.child.pid && /register/.test(s.name),
        ),
      10_000,
      'the API to export the request span',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; spans: ${JSON.stringify(spans().map((s) => s.name))}`);
    });
    // The welcome email job, run by the worker process, in the same trace.
    const job = await eventually(
      () =>
        spans().find(
          (s) =>
            s.traceId === request.traceId && s.kind === CONSUMER && s.pid === pair.worker.child.pid,
        ),
      10_000,
      'the worker to export the job span in the request trace',
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}; spans: ${JSON.stringify(spans().map((s) => [s.name, s.kind, s.pid, s.traceId]))}`,
      );
    });
    expect(job.name).toMatch(/email-sending/);
  });
});
