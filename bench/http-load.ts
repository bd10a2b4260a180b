/**
 * The load generator of bench:http, in a process of its own (so its CPU is not the app's): runs
 * autocannon against one route for a number of seconds and prints its summary as one JSON line.
 * Argument: a JSON object {url, method, token?, body?, connections, seconds}. The summary has this
 * process's own CPU (`cpuMs`): the load's share of the machine, for the bench's full accounting.
 */
import autocannon from 'autocannon';

interface Job {
  url: string;
  method: 'GET' | 'POST';
  token?: string;
  body?: string;
  connections: number;
  seconds: number;
}

async function main(): Promise<void> {
  const cpu = process.cpuUsage();
  const job = JSON.parse(process.argv[2]) as Job;
  const result = await autocannon({
    url: job.url,
    method: job.method,
    headers: {
      ...(job.token ? { authorization: `Bearer ${job.token}` } : {}),
      ...(job.body ? { 'content-type': 'application/json' } : {}),
    },
    body: job.body,
    connections: job.connections,
    duration: job.seconds,
    timeout: 60,
  });
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      rate: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds: result.duration,
      cpuMs: (used.user + used.system) / 1000,
    }),
  );
}

void main();
