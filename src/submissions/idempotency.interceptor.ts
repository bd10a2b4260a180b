import { idempotencyKeys } from '../common/idempotency-keys';
import {
  applyDecorators,
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  UnprocessableEntityException,
  UseInterceptors,
} from '@nestjs/common';
import { throwFirstError } from '../infra/redis/redis-client';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { RedisClient } from '../infra/redis/redis-client';
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import type { User } from '../auth/user.schema';
import type { AppConfig } from '../config/app-config';
import { ErrorBody } from '../http/api-responses';
import { REDIS_CLIENT } from '../infra/redis/redis.module';

/** How long a key's answer is kept (Stripe's convention: 24 hours). */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** Visible ASCII, 1 to 255 characters. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Stored {
  fingerprint: string;
  /** Absent while the first request with the key is still running. */
  status?: number;
  body?: unknown;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `Idempotency-Key` on submission routes, as Stripe has it: the same user sending the same key
 * with the same request within 24 h gets the first answer again (status and body, the same
 * `jobId`) and no second job; the same key with a different request is 422; a request still
 * running with that key is 409. Keys are per user. Kept in Redis (`<prefix>:idem:<user>:<hash>`)
 * with a TTL; an answer is kept only when the handler answered (a refused or failed request
 * frees the key for a corrected retry).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly base: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.base = config.get('redisKeys', { infer: true }).base;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { user?: User }>();
    const key = request.headers['idempotency-key'];
    if (key === undefined || !request.user) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new BadRequestException(['Idempotency-Key must be 1 to 255 visible ASCII characters']);
    const keys = idempotencyKeys(this.base, request.user._id.toHexString());
    const redisKey = keys.answer(sha256(key));
    const fingerprint = sha256(
      JSON.stringify({
        route: `${request.method} ${(request.route as { path?: string } | undefined)?.path ?? request.path}`,
        body: request.body as unknown,
        file: request.file ? { name: request.file.originalname, size: request.file.size } : null,
      }),
    );
    return from(this.claim(redisKey, keys.index, fingerprint)).pipe(
      mergeMap((earlier) => {
        if (!earlier) return this.run(next, context, redisKey, fingerprint);
        if (earlier.fingerprint !== fingerprint)
          throw new UnprocessableEntityException(
            `Idempotency-Key "${key}" was already used with a different request`,
          );
        if (earlier.status === undefined)
          throw new ConflictException(`A request with Idempotency-Key "${key}" is still running`);
        // The first answer again; the upload this request brought is not needed.
        const stored = request.file?.path;
        if (stored) void unlink(stored).catch(() => undefined);
        const response = context.switchToHttp().getResponse<Response>();
        response.status(earlier.status).setHeader('Idempotent-Replayed', 'true');
        return of(earlier.body);
      }),
    );
  }

  /** Takes the key for this request, or returns what an earlier request stored under it. */
  private async claim(
    redisKey: string,
    index: string,
    fingerprint: string,
  ): Promise<Stored | undefined> {
    // Named in the user's set in the same call, so an erase finds it without a keyspace scan.
    const replies = await this.redis
      .multi()
      .set(redisKey, JSON.stringify({ fingerprint }), 'PX', KEEP_MS, 'NX')
      .sadd(index, redisKey)
      .pexpire(index, KEEP_MS)
      .exec();
    throwFirstError(replies);
    if (replies?.[0]?.[1]) return undefined;
    const earlier = await this.redis.get(redisKey);
    // Expired in between: this request takes it after all.
    if (!earlier) return this.claim(redisKey, index, fingerprint);
    return JSON.parse(earlier) as Stored;
  }

  private run(
    next: CallHandler,
    context: ExecutionContext,
    redisKey: string,
    fingerprint: string,
  ): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        const answer: Stored = { fingerprint, status: response.statusCode, body };
        await this.redis.set(redisKey, JSON.stringify(answer), 'PX', KEEP_MS);
        return body;
      }),
      catchError((error: unknown) =>
        from(this.redis.del(redisKey).catch(() => 0)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}

/** The header in the OpenAPI document, and the answers it adds. */
export function ApiIdempotencyKey(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1–255 visible ASCII characters. The same key with the same request within 24 h answers the first response again (header Idempotent-Replayed: true) without a second job.',
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorBody,
      description: 'The Idempotency-Key was already used with a different request',
    }),
    ApiConflictResponse({
      type: ErrorBody,
      description: 'A request with this Idempotency-Key is still running',
    }),
  );
}

/** Idempotency-Key on a JSON submission route. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(UseInterceptors(IdempotencyInterceptor), ApiIdempotencyKey());
}
