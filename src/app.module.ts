import {
  DynamicModule,
  Injectable,
  Module,
  OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminBoardModule } from './admin-board/admin-board.module';
import { AuthModule } from './auth/auth.module';
import { UserDataModule } from './auth/user-data/user-data.module';
import { AppConfig, runsApi } from './config/app-config';
import { HttpModule } from './http/http.module';
import { JobsModule } from './jobs/jobs.module';
import { SubmissionsModule } from './submissions/submissions.module';
import { HealthModule } from './health/health.module';
import { MetricsEndpointModule } from './metrics/metrics-endpoint.module';
import { LoggingModule } from './infra/logging/logging.module';
import { MongoModule } from './infra/mongo/mongo.module';
import { RedisModule } from './infra/redis/redis.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { QueuesModule } from './queues';
import { AuditModule } from './jobs/audit/audit.module';
import { stopTracing } from './tracing';

/** Spans still buffered go to the collector before the process exits. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}

@Module({})
export class AppModule {
  /**
   * The config is loaded and validated before Nest starts (see main.ts), so a bad variable is
   * reported as one line instead of a bootstrap stack trace; here it is only handed to Nest.
   */
  /**
   * `extraModules`: more modules to run in this app — e.g. a queue's folder module a test brings
   * (the product's own queues are assembled in src/queues/queue-set.ts).
   */
  static forRoot(config: AppConfig, extraModules: Type<unknown>[] = []): DynamicModule {
    return {
      module: AppModule,
      providers: [TracingShutdown],
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggingModule,
        RedisModule,
        MongoModule,
        HealthModule,
        MetricsEndpointModule,
        QueuesModule,
        // Every role: workers write system events (a circuit breaker opening) too.
        AuditModule,
        ...extraModules,
        SchedulerModule,
        // HTTP API (not in worker-only processes). Auth first: its guards run before throttling.
        ...(runsApi(config.role)
          ? [
              AuthModule,
              UserDataModule,
              HttpModule,
              JobsModule,
              SubmissionsModule,
              RealtimeModule,
              AdminBoardModule,
            ]
          : []),
      ],
    };
  }
}
