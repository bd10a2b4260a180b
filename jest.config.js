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
      testPathIgnorePatterns: ['<rootDir>/test/unit/', '<rootDir>/test/architecture/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
