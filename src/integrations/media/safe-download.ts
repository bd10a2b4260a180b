import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { isNonPublicAddress } from './address-policy';

export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

/** The URL can never be fetched as asked (refused address, too large, 4xx): do not retry. */
export class DownloadRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadRefusedError';
  }
}

const MAX_REDIRECTS = 3;

/**
 * Fetches a user-supplied http(s) URL into `output` for media work. Addresses are checked as the
 * connection is made (the DNS answer actually used, so a name cannot be re-pointed at a private
 * address between check and connect), on every redirect too; size and time are capped.
 */
export async function downloadToFile(
  url: string,
  output: string,
  limits: DownloadLimits,
  signal: AbortSignal,
): Promise<number> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:')
      throw new DownloadRefusedError(`videoUrl must be http or https (got ${current.protocol})`);
    refuseLiteralAddress(current, limits);
    const response = await request(current, limits, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status >= 400) {
      response.resume();
      const message = `videoUrl answered HTTP ${status}`;
      throw status < 500 && status !== 408 && status !== 429
        ? new DownloadRefusedError(message)
        : new Error(message);
    }
    const declared = Number(response.headers['content-length']);
    if (declared > limits.maxBytes) {
      response.destroy();
      throw new DownloadRefusedError(`videoUrl is larger than ${limits.maxBytes} bytes`);
    }
    let received = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > limits.maxBytes)
          done(new DownloadRefusedError(`videoUrl is larger than ${limits.maxBytes} bytes`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(response, cap, createWriteStream(output), { signal: deadline });
    } catch (error) {
      await rm(output, { force: true });
      throw timedOut(error, signal, limits);
    }
    return received;
  }
  throw new DownloadRefusedError(`videoUrl redirects more than ${MAX_REDIRECTS} times`);
}

function request(url: URL, limits: DownloadLimits, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { signal, lookup: checkedLookup(limits) }, resolve);
    req.once('error', (error) => reject(timedOut(error, signal, limits)));
  });
}

/** Node connects to an IP literal without a lookup, so those are checked here. */
function refuseLiteralAddress(url: URL, limits: DownloadLimits): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isNonPublicAddress(host) && !limits.allowPrivateAddresses)
    throw new DownloadRefusedError(`videoUrl points at ${host}, a private or loopback address`);
}

/** DNS lookup that refuses non-public answers unless the deployment allows them (tests). */
function checkedLookup(limits: DownloadLimits): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => isNonPublicAddress(a.address));
      if (refused && !limits.allowPrivateAddresses)
        return callback(
          new DownloadRefusedError(
            `videoUrl resolves to ${refused.address}, a private or loopback address`,
          ),
          '',
          0,
        );
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function timedOut(error: unknown, jobSignal: AbortSignal, limits: DownloadLimits): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (error instanceof DownloadRefusedError || jobSignal.aborted) return error;
  if (error.name === 'AbortError' || error.name === 'TimeoutError')
    return new Error(`videoUrl did not finish downloading within ${limits.timeoutMs} ms`);
  return error;
}
