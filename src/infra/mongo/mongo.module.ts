import { BeforeApplicationShutdown, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../config/app-config';

/** Set while the app shuts down, so closing the connection is not logged as an outage. */
let shuttingDown = false;

@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const mongo = config.get('mongo', { infer: true });
        const logger = new Logger('MongoDB');
        return {
          uri: mongo.uri,
          // Fail a query within 5 s while the server is away instead of hanging the request;
          // the driver keeps reconnecting in the background.
          serverSelectionTimeoutMS: 5000,
          heartbeatFrequencyMS: 2000,
          retryAttempts: 10,
          retryDelay: 2000,
          connectionFactory: (connection: Connection) => {
            connection.on('disconnected', () => {
              if (!shuttingDown) logger.warn(`disconnected from ${mongo.display}; retrying`);
            });
            connection.on('reconnected', () => logger.log(`reconnected to ${mongo.display}`));
            return connection;
          },
        };
      },
    }),
  ],
})
export class MongoModule implements BeforeApplicationShutdown {
  beforeApplicationShutdown(): void {
    shuttingDown = true;
  }
}
