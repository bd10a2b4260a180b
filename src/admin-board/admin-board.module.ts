import { Module } from '@nestjs/common';

/** Bull Board at /admin/queues, for admins only (being built). */
@Module({})
export class AdminBoardModule {}
