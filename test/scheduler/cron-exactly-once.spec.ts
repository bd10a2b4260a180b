import type { TaskRun } from '../../src/scheduler/task-runner.service';
import { AppProcess, spawnApp } from '../support/app-process';
import { deleteRedisPrefix, eventually } from '../support/test-app';
import { testConfig, testEnv, uniqueName } from '../support/test-env';
import { MongoClient } from 'mongodb';

/**
 * Two instances of the app with the same Redis and database, both with crons firing every second
 * (sweep) and every two seconds (cleanup): each tick must run on exactly one of them.
 */
describe('crons across two app processes', () => {
  const name = uniqueName('cron2');
  const env = testEnv(name, {
    APP_ROLE: 'all',
    ADMIN_EMAIL: 'cron@click.test',
    ADMIN_PASSWORD: 'cron-password',
    CRON_SCHEDULED_POSTS: '* * * * * *',
    CRON_CLEANUP: '*/2 * * * * *',
  });
  const apps: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await deleteRedisPrefix(testConfig(name, env));
    const client = await MongoClient.connect(env.MONGODB_URI!);
    await client.db().dropDatabase();
    await client.close();
  });

  it('runs every tick once, on one instance', async () => {
    apps.push(...(await Promise.all([spawnApp(env), spawnApp(env)])));
    const login = await fetch(`${apps[0].url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cron@click.test', password: 'cron-password' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const cronRuns = async () => {
      const res = await fetch(`${apps[1].url}/api/jobs/maintenance`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      const { runs } = (await res.json()) as { runs: TaskRun[] };
      return runs.filter((run) => run.trigger === 'cron');
    };
    const runs = await eventually(
      async () => {
        const found = await cronRuns();
        const sweeps = found.filter((r) => r.task === 'scheduled-posts').length;
        const cleanups = found.filter((r) => r.task === 'cleanup').length;
        return sweeps >= 8 && cleanups >= 4 && found;
      },
      30_000,
      'eight sweeps and four cleanups',
    );

    const ticks = runs.map((run) => `${run.task}@${run.slot}`);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(runs.every((run) => run.outcome === 'ok')).toBe(true);
    // Every run belongs to one of the two instances, and every slot is a whole second.
    expect(new Set(runs.map((run) => run.instance)).size).toBeLessThanOrEqual(2);
    expect(runs.every((run) => run.slot?.endsWith('.000Z'))).toBe(true);
    for (const app of apps) expect(app.output()).not.toMatch(/tick not run/);
  });
});
