import path from 'node:path';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

export interface MailConfig {
  /** smtp:// or smtps:// URL; unset writes .eml files to `outboxDir` instead. */
  smtpUrl?: string;
  from: string;
  outboxDir: string;
}

export interface LlmConfig {
  /** An OpenAI-compatible API (…/v1); unset uses the built-in offline generator. */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

export interface SocialConfig {
  twitterBaseUrl: string;
  linkedinBaseUrl: string;
  linkedinVersion: string;
  requestTimeoutMs: number;
  /**
   * A platform with this many accounts rate-limited at once is limited as an app: its breaker
   * opens for everyone (one account's 429 holds back only that account).
   */
  appLimitAccounts: number;
  /** 32-byte key that encrypts stored platform tokens (AES-256-GCM). */
  tokenKey: Buffer;
}

export function readMailConfig(env: EnvReader, dataDir: string): MailConfig {
  return {
    smtpUrl: env.optionalUrl('SMTP_URL', ['smtp', 'smtps'])?.href,
    from: env.string('MAIL_FROM', 'click-api <no-reply@click.local>'),
    outboxDir: path.resolve(env.string('MAIL_OUTBOX_DIR', path.join(dataDir, 'outbox'))),
  };
}

export function readLlmConfig(env: EnvReader): LlmConfig {
  const baseUrl = env.optionalUrl('LLM_BASE_URL', ['http', 'https'])?.href.replace(/\/$/, '');
  return {
    baseUrl,
    apiKey: env.optionalString('LLM_API_KEY'),
    model: env.string('LLM_MODEL', 'gpt-4o-mini'),
    timeoutMs: env.int('LLM_TIMEOUT_MS', 60_000, 1000),
  };
}

export function readSocialConfig(env: EnvReader): SocialConfig {
  return {
    twitterBaseUrl: env
      .url('TWITTER_API_BASE_URL', ['http', 'https'], 'https://api.twitter.com')
      .href.replace(/\/$/, ''),
    linkedinBaseUrl: env
      .url('LINKEDIN_API_BASE_URL', ['http', 'https'], 'https://api.linkedin.com')
      .href.replace(/\/$/, ''),
    linkedinVersion: env.matching('LINKEDIN_VERSION', '202411', /^\d{6}$/, 'a YYYYMM version'),
    requestTimeoutMs: env.int('SOCIAL_REQUEST_TIMEOUT_MS', 15_000, 100),
    appLimitAccounts: env.int('SOCIAL_APP_LIMIT_ACCOUNTS', 5, 1, 1_000_000),
    tokenKey: readKey(env, 'TOKEN_ENCRYPTION_KEY'),
  };
}

/** A 32-byte key given as 64 hex characters or as base64. */
function readKey(env: EnvReader, name: string): Buffer {
  const value = env.raw(name);
  if (value === undefined)
    throw new ConfigError(name, 'is required (32 bytes as 64 hex characters or base64)');
  const key = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  if (key.length !== 32)
    throw new ConfigError(name, 'must be 32 bytes (64 hex characters or base64)');
  return key;
}
