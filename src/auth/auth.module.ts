import { RedisModule } from '../infra/redis/redis.module';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import type { AppConfig } from '../config/app-config';
import { AccessTokens } from './access-tokens.service';
import { AdminBootstrap } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { JwtAuthGuard, RolesGuard } from './auth.guards';
import { AuthService } from './auth.service';
import { UserEmail, UserEmailSchema } from './user-email.schema';
import { UserEmailsMigration } from './user-emails.migration';
import { User, UserSchema } from './user.schema';
import { UsersService } from './users.service';
import { AdminRoster } from './admin-roster';
import { PrincipalCache } from './principal-cache';
import { DerivedIndexModule } from '../infra/derived-index/derived-index.module';
import { QueuesModule } from '../queues';

/** Users, JWT sign-in, and the global guards: authenticated by default, roles where declared. */
@Module({
  imports: [
    RedisModule,
    MetricsModule,
    QueuesModule,
    DerivedIndexModule,
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: UserEmail.name, schema: UserEmailSchema },
    ]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const jwt = config.get('jwt', { infer: true });
        return { secret: jwt.secret, signOptions: { expiresIn: jwt.expiresIn as `${number}` } };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    AccessTokens,
    UserEmailsMigration,
    AdminRoster,
    PrincipalCache,
    UsersService,
    AuthService,
    AdminBootstrap,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [UsersService, AccessTokens, AdminRoster],
})
export class AuthModule {}
