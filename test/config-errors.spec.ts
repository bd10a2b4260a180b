import { runAppToExit } from './support/app-process';
import { testEnv, uniqueName } from './support/test-env';

describe('start-up with a bad environment', () => {
  const name = uniqueName('configerr');

  it.each([
    [
      'REDIS_PORT',
      { REDIS_URL: undefined, REDIS_PORT: 'abc' },
      /^click-api: invalid configuration: REDIS_PORT must be an integer/,
    ],
    [
      'REDIS_URL',
      { REDIS_URL: 'not a url' },
      /^click-api: invalid configuration: REDIS_URL must be a URL/,
    ],
    [
      'MONGODB_URI',
      { MONGODB_URI: 'postgres://db/x' },
      /^click-api: invalid configuration: MONGODB_URI must use mongodb/,
    ],
    [
      'APP_ROLE',
      { APP_ROLE: 'everything' },
      /^click-api: invalid configuration: APP_ROLE must be one of api, worker, all/,
    ],
    [
      'JWT_SECRET',
      { JWT_SECRET: undefined },
      /^click-api: invalid configuration: JWT_SECRET is required$/,
    ],
    [
      'CRON_TZ',
      { CRON_TZ: 'Mars/Olympus' },
      /^click-api: invalid configuration: CRON_TZ must be an IANA time zone .*\(got "Mars\/Olympus"\)$/,
    ],
    [
      'STORAGE_URL',
      { STORAGE_URL: 'minio://media' },
      /^click-api: invalid configuration: STORAGE_URL must be s3:\/\/<bucket>\/<optional prefix> \(got "minio:\/\/media"\)$/,
    ],
    [
      'S3_SECRET_ACCESS_KEY',
      { STORAGE_URL: 's3://media/click', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' },
      /^click-api: invalid configuration: S3_SECRET_ACCESS_KEY must be set together with the other/,
    ],
    [
      'CRON_CLEANUP',
      { CRON_CLEANUP: 'at two' },
      /^click-api: invalid configuration: CRON_CLEANUP must be a cron expression/,
    ],
  ])(
    'a malformed %s stops the process with one line and exit code 1',
    async (_variable, overrides, expected) => {
      const result = await runAppToExit(testEnv(name, overrides));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
    },
  );
});
