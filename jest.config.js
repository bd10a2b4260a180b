/**
 * Two layers. `unit`: pure code, no services, no build (npm run test:unit, seconds).
 * `integration`: the product on real Redis, FerretDB, SMTP, ffmpeg and Chromium; it builds
 * dist/ once first (tests that spawn the app run dist/main.js). `npm test` runs both.
 */
const shared = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/**
 * The parts of the suite that exercise Redis, run a second time against a 6-node Redis Cluster
 * (project `cluster`): the kernel, cancel, fair share, breakers, failure groups, indexes and
 * listings, events to sockets, crons once, Idempotency-Key, erase.
 */
const ON_CLUSTER = [
  'queues/kernel',
  'queues/cancel',
  'queues/fair-share',
  'queues/circuit-breaker',
  'queues/failure-groups',
  'queues/job-index',
  'queues/eta',
  'api/jobs-api',
  'api/job-search',
  'api/idempotency',
  'api/user-erase',
  'realtime/job-events',
  'realtime/job-eta',
  'scheduler/cron-exactly-once',
  'scheduler/maintenance',
  'admin/bull-board',
  'cluster/cluster-layout',
].map((name) => `<rootDir>/test/${name}.spec.ts`);

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/test/unit/**/*.spec.ts',
        '<rootDir>/test/architecture/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: [
        '<rootDir>/test/unit/',
        '<rootDir>/test/architecture/',
        '<rootDir>/test/cluster/',
        '<rootDir>/test/failover/',
      ],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ON_CLUSTER,
      setupFiles: ['<rootDir>/test/support/on-cluster.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      // Masters killed under load on Sentinel and on a cluster (alone: npm run test:failover);
      // no globalSetup: it runs the app in-process and starts its own Redis servers.
      ...shared,
      displayName: 'failover',
      testMatch: ['<rootDir>/test/failover/**/*.spec.ts'],
    },
  ],
};
