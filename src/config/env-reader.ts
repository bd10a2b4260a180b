import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

/**
 * Typed reads of environment variables. Each read either returns a valid value or throws a
 * ConfigError naming the variable; empty strings count as unset so `.env` templates can leave
 * optional values blank.
 */
export class EnvReader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** Names of the variables that are set (not empty). */
  names(): string[] {
    return Object.keys(this.env).filter((name) => this.has(name));
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string, fallback?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  }

  /** A string that must match `pattern`; `shape` tells the user what is allowed. */
  matching(name: string, fallback: string, pattern: RegExp, shape: string): string {
    const value = this.string(name, fallback);
    if (!pattern.test(value)) throw new ConfigError(name, `must be ${shape}`, value);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new ConfigError(name, `must be an integer ${range}`, value);
    }
    return Number(value);
  }

  optionalInt(name: string, min: number, max?: number): number | undefined {
    return this.has(name) ? this.int(name, 0, min, max) : undefined;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(name, 'must be true or false', value);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}`, value);
    }
    return value as T;
  }

  url(name: string, protocols: readonly string[], fallback?: string): URL {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) throw new ConfigError(name, 'is required');
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `must be a URL (${protocols.join(' or ')})`, redactUrl(value));
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}`, redactUrl(value));
    }
    return parsed;
  }

  optionalUrl(name: string, protocols: readonly string[]): URL | undefined {
    return this.has(name) ? this.url(name, protocols) : undefined;
  }

  /** A secret that may be left out; when given it must be at least `minLength` long. */
  optionalSecret(name: string, minLength: number): string | undefined {
    return this.raw(name) === undefined ? undefined : this.secret(name, minLength);
  }

  secret(name: string, minLength: number): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    if (value.length < minLength) {
      throw new ConfigError(name, `must be at least ${minLength} characters long`);
    }
    return value;
  }
}

/** Hides a password in a connection URL so it can be shown in an error or a log line. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
