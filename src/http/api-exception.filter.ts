import { isDatabaseDown } from '../infra/mongo/database-down';
import { StorageUnavailableError } from '../integrations/storage/object-storage';
import { TaskBusyError, UnknownTaskError } from '../scheduler/maintenance-task';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import {
  JobIdConflictError,
  JobNotFoundError,
  JobPayloadError,
  JobStateConflictError,
  OwnerErasedError,
  QueueUnavailableError,
  UnknownQueueError,
} from '../queues';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function isHealthReport(exception: unknown): exception is HttpException {
  const body = exception instanceof HttpException ? exception.getResponse() : undefined;
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body;
}

function isClientError(error: { status?: number; expose?: boolean; message?: string }): boolean {
  return (
    error.expose === true &&
    typeof error.status === 'number' &&
    error.status >= 400 &&
    error.status < 500 &&
    typeof error.message === 'string'
  );
}

/**
 * Every error leaves as `{statusCode, message, error}`: the queue kernel's errors get their HTTP
 * status here, an unavailable database is a 503, and anything unexpected a 500 that says nothing
 * about internals (it is logged with its stack instead).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (isHealthReport(exception)) {
      // Terminus's 503 body names each dependency; keep it whole.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { status, message } = this.describe(exception);
    if (status >= 500 && status !== 503)
      this.logger.error((exception as Error)?.stack ?? String(exception));
    // A dependency is away: tell clients when to try again rather than hammering.
    if (status === 503 && !response.getHeader('Retry-After'))
      response.setHeader('Retry-After', '5');
    response.status(status).json({
      statusCode: status,
      message,
      error: STATUS_TEXT[status] ?? HttpStatus[status] ?? 'Error',
    });
  }

  private describe(exception: unknown): { status: number; message: string | string[] } {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : ((body as { message?: string | string[] }).message ?? exception.message);
      return { status: exception.getStatus(), message };
    }
    if (exception instanceof JobPayloadError) return { status: 400, message: exception.problems };
    if (
      exception instanceof UnknownQueueError ||
      exception instanceof JobNotFoundError ||
      exception instanceof UnknownTaskError
    )
      return { status: 404, message: exception.message };
    if (
      exception instanceof JobStateConflictError ||
      exception instanceof JobIdConflictError ||
      exception instanceof TaskBusyError
    )
      return { status: 409, message: exception.message };
    // A submission racing its own account's erase.
    if (exception instanceof OwnerErasedError) return { status: 409, message: exception.message };
    if (exception instanceof QueueUnavailableError || exception instanceof StorageUnavailableError)
      return { status: 503, message: exception.message };
    const error = exception as {
      name?: string;
      type?: string;
      status?: number;
      expose?: boolean;
      message?: string;
    };
    // body-parser's own errors (before any controller runs).
    if (error.type === 'entity.too.large')
      return { status: 413, message: 'The request body is too large' };
    if (error.type === 'entity.parse.failed')
      return { status: 400, message: 'The request body is not valid JSON' };
    // body-parser's other refusals (an unsupported or broken Content-Encoding, a bad charset):
    // http-errors marks the ones whose message is meant for the client.
    if (isClientError(error)) return { status: error.status!, message: error.message! };
    if (isDatabaseDown(exception)) {
      return { status: 503, message: 'The database is unavailable, try again shortly' };
    }
    return { status: 500, message: 'Internal server error' };
  }
}
