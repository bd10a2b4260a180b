import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class ProcessFailedError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    /** The last lines the program wrote to stderr: its own explanation. */
    readonly stderrTail: string,
  ) {
    super(`${command} exited with ${exitCode}: ${stderrTail || 'no message'}`);
    this.name = 'ProcessFailedError';
  }
}

const STDERR_KEEP = 2000;

/**
 * Runs a program to the end and returns its stdout. The job's `signal` kills it at once (SIGKILL:
 * ffmpeg may ignore SIGTERM mid-encode). `onLine` sees stdout line by line as it comes.
 */
export function runProcess(
  command: string,
  args: string[],
  signal: AbortSignal,
  onLine?: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      onLine?.(line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
    });
    // An abort kills the child and fires 'error' at once; settle only once it is gone, so no
    // next run (a retry after a timeout) overlaps it.
    child.once('error', (error) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        reject(error);
      else child.once('close', () => reject(error));
    });
    child.once('close', (code) => {
      if (child.killed) return; // by the signal: settled by 'error'
      if (code === 0) resolve(stdout);
      else reject(new ProcessFailedError(command, code, lastLines(stderr)));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ').trim();
}
