// Order matters: the .env file, then tracing (it patches node:http), then everything else.
import './env-file';
import './tracing';
import 'reflect-metadata';
import { createApp } from './bootstrap';
import { loadAppConfig } from './config/app-config';
import { ConfigError } from './config/config-error';

function readConfig() {
  try {
    return loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`click-api: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
  // Printed whatever LOG_LEVEL says: this is the line that tells people (and scripts) where we are.
  process.stdout.write(
    `click-api (${config.role}) listening on ${url}/api — Redis ${config.redis.display}, MongoDB ${config.mongo.display}, files ${config.storage.kind === 's3' ? config.storage.display : 'in local folders'}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `click-api: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
