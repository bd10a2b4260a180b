import path from 'node:path';
import { ApiConfig, readApiConfig } from './api-config';
import { EnvReader, redactUrl } from './env-reader';
import {
  LlmConfig,
  MailConfig,
  readLlmConfig,
  readMailConfig,
  readSocialConfig,
  SocialConfig,
} from './integrations-config';
import { MediaConfig, readMediaConfig } from './media-config';
import { JobsConfig, readJobsConfig } from './queue-config';
import { readRedisConfig, RedisConfig } from './redis-config';
import { RedisKeys, redisKeys } from './redis-keys';
import { readSchedulerConfig, SchedulerConfig } from './scheduler-config';
import { readStorageConfig, StorageConfig } from './storage-config';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** api: HTTP + websockets; worker: processors + crons; all: both. */
  role: AppRole;
  redis: RedisConfig;
  mongo: { uri: string; display: string };
  jwt: { secret: string; expiresIn: string };
  /** How long a process may answer from its copy of a signed-in user (0: read it every time). */
  principalCacheMs: number;
  /** Prefix of every Redis key and channel this app uses, so deployments and tests can share a Redis. */
  redisPrefix: string;
  /** The key layout (hash-tagged on a Redis Cluster): product keys' base, BullMQ's prefixes. */
  redisKeys: RedisKeys;
  shutdownTimeoutMs: number;
  logLevel: LogLevelName;
  /** json: one JSON object per line (production, log shippers); pretty: for a terminal. */
  logFormat: LogFormat;
  /**
   * OTLP/HTTP collector traces are sent to (OTEL_EXPORTER_OTLP_ENDPOINT); tracing is off without
   * it. Read here only to validate it: src/tracing.ts starts the SDK before anything else loads.
   */
  otlpEndpoint?: string;
  /** Folder for files the app writes (mail outbox, media); absolute. */
  dataDir: string;
  jobs: JobsConfig;
  mail: MailConfig;
  llm: LlmConfig;
  social: SocialConfig;
  api: ApiConfig;
  scheduler: SchedulerConfig;
  media: MediaConfig;
  /** Where uploads and produced media live: local folders, or S3-compatible object storage. */
  storage: StorageConfig;
  /** Bearer token GET /metrics asks for; without one only loopback addresses may scrape. */
  metricsToken?: string;
  /** false: no metrics are kept and GET /metrics is 404. */
  metricsEnabled: boolean;
}

export function runsApi(role: AppRole): boolean {
  return role !== 'worker';
}

export function runsWorkers(role: AppRole): boolean {
  return role !== 'api';
}

/** Reads and validates the whole environment; throws ConfigError on the first bad variable. */
export function loadAppConfig(rawEnv: Record<string, string | undefined>): AppConfig {
  const env = new EnvReader(rawEnv);
  const dataDir = path.resolve(env.string('DATA_DIR', '.data'));
  const mongo = env.url(
    'MONGODB_URI',
    ['mongodb', 'mongodb+srv'],
    'mongodb://127.0.0.1:27017/click-api',
  );
  const nodeEnv = env.oneOf(
    'NODE_ENV',
    ['development', 'production', 'test'] as const,
    'development',
  );
  const api = readApiConfig(env, dataDir);
  const redis = readRedisConfig(env);
  // BullMQ builds keys as prefix:queue:id; a colon or space inside the prefix would break that.
  const redisPrefix = env.matching(
    'REDIS_PREFIX',
    'click',
    /^[A-Za-z0-9_.-]{1,64}$/,
    'letters, digits, _ . - (1 to 64)',
  );
  const media = readMediaConfig(env, dataDir);
  return {
    nodeEnv,
    host: env.string('HOST', '127.0.0.1'),
    port: env.int('PORT', 3000, 0, 65535),
    role: env.oneOf('APP_ROLE', APP_ROLES, 'all'),
    redis,
    mongo: { uri: mongo.href, display: redactUrl(mongo.href) },
    jwt: {
      secret: env.secret('JWT_SECRET', 32),
      expiresIn: env.matching(
        'JWT_EXPIRES_IN',
        '1h',
        /^\d+[smhd]?$/,
        'a duration such as 900s, 15m, 1h or 7d',
      ),
    },
    principalCacheMs: env.int('AUTH_PRINCIPAL_CACHE_MS', 60_000, 0, 3_600_000),
    redisPrefix,
    redisKeys: redisKeys(redisPrefix, redis.topology === 'cluster'),
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'log'),
    logFormat: env.oneOf('LOG_FORMAT', LOG_FORMATS, nodeEnv === 'development' ? 'pretty' : 'json'),
    otlpEndpoint: env.optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', ['http', 'https'])?.href,
    dataDir,
    jobs: readJobsConfig(env),
    mail: readMailConfig(env, dataDir),
    llm: readLlmConfig(env),
    social: readSocialConfig(env),
    api,
    scheduler: readSchedulerConfig(env, dataDir),
    media,
    storage: readStorageConfig(env, { uploadDir: api.uploads.dir, mediaDir: media.mediaDir }),
    metricsToken: env.optionalSecret('METRICS_TOKEN', 16),
    metricsEnabled: env.boolean('METRICS_ENABLED', true),
  };
}
