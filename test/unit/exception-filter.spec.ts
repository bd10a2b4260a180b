import { ArgumentsHost, BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { ApiExceptionFilter } from '../../src/http/api-exception.filter';
import {
  JobIdConflictError,
  JobNotFoundError,
  JobPayloadError,
  JobStateConflictError,
  QueueUnavailableError,
  UnknownQueueError,
} from '../../src/queues/contracts/job-errors';
import { TaskBusyError, UnknownTaskError } from '../../src/scheduler/maintenance-task';

/** What the filter sent: status, headers and JSON body, as a client would see them. */
function answer(exception: unknown) {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const response = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
    getHeader: (name: string) => sent.headers[name],
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return sent;
}

describe('ApiExceptionFilter: where errors become HTTP statuses', () => {
  // The 500 case logs its stack; this file has no use for it.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it.each([
    [new JobPayloadError(['text must be a string', 'platforms is empty']), 400],
    [new UnknownQueueError('nope', ['email-sending']), 404],
    [new JobNotFoundError('42'), 404],
    [new UnknownTaskError('defrag'), 404],
    [new JobStateConflictError('42', 'completed', 'cancelled'), 409],
    [new JobIdConflictError('42'), 409],
    [new TaskBusyError('cleanup'), 409],
    [new QueueUnavailableError(new Error('ECONNREFUSED')), 503],
    [new BadRequestException('cursor is not valid'), 400],
    [new NotFoundException(), 404],
  ])('%s → %i', (error, status) => {
    const sent = answer(error);
    expect(sent.status).toBe(status);
    expect(sent.body).toMatchObject({ statusCode: status });
  });

  it('gives every problem of a payload, and a Retry-After with a 503', () => {
    expect(answer(new JobPayloadError(['a is missing', 'b is too long'])).body).toEqual({
      statusCode: 400,
      message: ['a is missing', 'b is too long'],
      error: 'Bad Request',
    });
    expect(answer(new QueueUnavailableError('down')).headers['Retry-After']).toBe('5');
  });

  it("answers body-parser's refusals as 4xx, and hides what it did not expect behind a bare 500", () => {
    expect(answer({ type: 'entity.parse.failed', status: 400 })).toMatchObject({ status: 400 });
    expect(answer({ type: 'entity.too.large', status: 413 })).toMatchObject({ status: 413 });
    const encoding = { status: 415, expose: true, message: 'unsupported content encoding "br"' };
    expect(answer(encoding).body).toMatchObject({ statusCode: 415, message: encoding.message });
    const internal = answer(new TypeError('x.every is not a function'));
    expect(internal.body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      error: 'Internal Server Error',
    });
  });
});
