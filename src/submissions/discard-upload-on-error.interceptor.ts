import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { unlink } from 'node:fs/promises';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';

/**
 * Multer has stored the upload before validation, quota or the queue had their say: whatever
 * refuses the request afterwards (a bad field, 429, 503), the file is removed with it.
 */
@Injectable()
export class DiscardUploadOnError implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const stored = request.file?.path;
        const removed = stored ? unlink(stored).catch(() => undefined) : Promise.resolve();
        return from(removed).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
