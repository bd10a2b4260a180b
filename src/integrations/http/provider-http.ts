/** A third-party API answered with an error, or could not be reached. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    /** HTTP status, or undefined when no answer came back. */
    readonly status?: number,
    /** From Retry-After on a 429/503. */
    readonly retryAfterMs?: number,
    /** True when the request surely never reached the provider (connection refused). */
    readonly notSent = false,
    /** The answer's headers (rate-limit headers say more than Retry-After). */
    readonly headers?: Headers,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }

  /** A 4xx other than 408/429: the same request will fail again. */
  get permanent(): boolean {
    return (
      this.status !== undefined &&
      this.status >= 400 &&
      this.status < 500 &&
      this.status !== 408 &&
      this.status !== 429
    );
  }
}

/** The adapter refused before asking (the request cannot be made as given): never worth a retry. */
export class ProviderRefusal extends ProviderError {
  override get permanent(): boolean {
    return true;
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface ProviderResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * POSTs JSON and returns the parsed answer; any non-2xx becomes a ProviderError carrying the
 * status, the provider's own message and Retry-After. `signal` (the job's) and `timeoutMs` both abort.
 */
export function postJson<T>(
  provider: string,
  url: string,
  body: unknown,
  options: ProviderRequestOptions,
): Promise<ProviderResponse<T>> {
  return send<T>(
    provider,
    'POST',
    url,
    JSON.stringify(body),
    { 'content-type': 'application/json' },
    options,
  );
}

/** The same for a multipart form (file uploads); fetch sets the boundary header itself. */
export function postForm<T>(
  provider: string,
  url: string,
  form: FormData,
  options: ProviderRequestOptions,
): Promise<ProviderResponse<T>> {
  return send<T>(provider, 'POST', url, form, {}, options);
}

/** GETs JSON (a provider's read API); errors as postJson. */
export function getJson<T>(
  provider: string,
  url: string,
  options: ProviderRequestOptions,
): Promise<ProviderResponse<T>> {
  return send<T>(provider, 'GET', url, undefined, {}, options);
}

export interface ProviderRequestOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

async function send<T>(
  provider: string,
  method: 'GET' | 'POST',
  url: string,
  body: string | FormData | undefined,
  contentHeaders: Record<string, string>,
  options: ProviderRequestOptions,
): Promise<ProviderResponse<T>> {
  const signals = [
    AbortSignal.timeout(options.timeoutMs),
    ...(options.signal ? [options.signal] : []),
  ];
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...contentHeaders, accept: 'application/json', ...options.headers },
      body,
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string } }).cause;
    const notSent = cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND';
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : (cause?.code ?? (error as Error).message);
    throw new ProviderError(provider, `request failed (${reason})`, undefined, undefined, notSent);
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    throw new ProviderError(
      provider,
      `HTTP ${response.status}${describe(parsed)}`,
      response.status,
      parseRetryAfter(response.headers.get('retry-after')),
      false,
      response.headers,
    );
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Pulls a short, human-readable reason out of a provider's error body. */
function describe(body: unknown): string {
  if (typeof body === 'string') return body ? `: ${body.slice(0, 200)}` : '';
  const b = body as
    | {
        detail?: unknown;
        message?: unknown;
        error?: { message?: unknown } | string;
        title?: unknown;
      }
    | undefined;
  const message =
    b?.detail ??
    b?.message ??
    (typeof b?.error === 'string' ? b.error : b?.error?.message) ??
    b?.title;
  return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
}
