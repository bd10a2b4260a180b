import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { MediaFiles } from '../media/media-files';

/**
 * Multer has stored the upload before validation, quota or the queue had their say: whatever
 * refuses the request afterwards (a bad field, 429, 503), the stored file is removed with it.
 */
@Injectable()
export class DiscardUploadOnError implements NestInterceptor {
  constructor(private readonly files: MediaFiles) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const stored = request.file?.filename;
        const removed = stored
          ? this.files.removeUpload(stored).catch(() => undefined)
          : Promise.resolve();
        return from(removed).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
