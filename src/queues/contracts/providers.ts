/** The outside services jobs depend on; each has its own circuit breaker. */
export const PROVIDERS = ['llm', 'speech', 'smtp', 'twitter', 'linkedin'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}
