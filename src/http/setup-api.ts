import {
  BadRequestException,
  INestApplication,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config';
import { CorsIoAdapter } from '../realtime/cors-io.adapter';

function messages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) =>
      m.startsWith(`${error.property} `) ? `${field}${m.slice(error.property.length)}` : m,
    );
    return [...own, ...messages(error.children ?? [], field)];
  });
}

/**
 * HTTP input rules for the API roles: DTO validation (unknown fields refused, values converted),
 * a JSON body limit (413 beyond), CORS for the configured origins, and the OpenAPI document at
 * /api/docs.
 */
export function setupApi(app: INestApplication, config: AppConfig): void {
  const express = app as NestExpressApplication;
  // A frontend on another site: the listed origins only, for HTTP and socket.io alike; first, so
  // even the body parser's 400/413 carry the headers. Bearer tokens, not cookies: no credentials.
  const { corsOrigins } = config.api;
  if (corsOrigins.length)
    app.enableCors({ origin: corsOrigins, exposedHeaders: ['Retry-After'], maxAge: 600 });
  app.useWebSocketAdapter(new CorsIoAdapter(app, corsOrigins));
  express.useBodyParser('json', { limit: config.api.bodyLimitBytes });
  // Behind a proxy the client address comes from X-Forwarded-For (throttling counts per address).
  express.set('trust proxy', 'loopback');
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(messages(errors)),
    }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('click-api')
      .setDescription(
        'Background jobs for a content platform: submit work, follow your jobs, run the queues (admins).',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
