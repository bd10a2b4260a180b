import { parseRetryAfter, ProviderError } from './provider-http';

describe('provider errors', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('treats 4xx but 408 and 429 as permanent', () => {
    expect(new ProviderError('x', 'm', 401).permanent).toBe(true);
    expect(new ProviderError('x', 'm', 429).permanent).toBe(false);
    expect(new ProviderError('x', 'm', 408).permanent).toBe(false);
    expect(new ProviderError('x', 'm', 503).permanent).toBe(false);
    expect(new ProviderError('x', 'm').permanent).toBe(false);
  });
});
