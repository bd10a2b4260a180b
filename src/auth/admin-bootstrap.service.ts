import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { UsersService } from './users.service';

/** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD; running it again changes nothing. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.get('api', { infer: true }).admin;
    if (!admin) return;
    const existing = await this.users.findByEmail(admin.email);
    if (existing?.role === 'admin') return;
    if (existing) {
      await this.users.setRole(existing._id, 'admin');
      this.logger.log(`${admin.email} is now an admin`);
      return;
    }
    try {
      await this.users.create({
        email: admin.email,
        password: admin.password,
        name: 'Administrator',
        role: 'admin',
      });
      this.logger.log(`created the admin account ${admin.email}`);
    } catch (error) {
      // Another instance starting at the same time claimed the address first; its user document
      // follows the claim within moments.
      if (!(await this.adminAppears(admin.email))) throw error;
    }
  }

  private async adminAppears(email: string): Promise<boolean> {
    for (let tries = 0; tries < 50; tries++) {
      if ((await this.users.findByEmail(email))?.role === 'admin') return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }
}
