import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { runWithRequestId } from '../common/log-context';

/**
 * Runs each HTTP handler inside a log context holding the request's id (set by pino-http from
 * `X-Request-Id` or generated), so the jobs it queues carry that id into their workers' logs.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const { id } = context.switchToHttp().getRequest<{ id?: unknown }>();
    if (typeof id !== 'string') return next.handle();
    return new Observable((subscriber) =>
      runWithRequestId(id, () => next.handle().subscribe(subscriber)),
    );
  }
}
