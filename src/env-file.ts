import { existsSync } from 'node:fs';

// The first thing main.ts loads (tracing reads its OTEL_* variables before anything else starts).
// Values already in the environment win over the .env file.
if (existsSync('.env')) process.loadEnvFile('.env');
