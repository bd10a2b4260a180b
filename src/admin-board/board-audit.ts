import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { User } from '../auth/user.schema';
import { AuditLogService } from '../jobs/audit/audit-log.service';

/**
 * Writes the board's state-changing calls (retry, clean, pause, remove, add...) to the admin audit
 * log, next to the API's own admin operations. Bull Board runs the action itself, so the outcome is
 * read from the response: a 2xx/3xx is "ok", anything else is recorded as refused with its status.
 */
@Injectable()
export class BoardAudit {
  private readonly logger = new Logger('AdminBoard');

  constructor(private readonly audit: AuditLogService) {}

  recordWhenFinished(admin: User, req: Request, res: Response): void {
    // originalUrl: Express strips the mount path from req.url inside mounted middleware.
    const path = new URL(req.originalUrl, 'http://board.invalid').pathname;
    this.audit
      .record(admin, `bull-board:${req.method} ${path}`, { path }, () => outcomeOf(res))
      .catch((error: Error) => this.logger.debug(`${req.method} ${path}: ${error.message}`));
  }
}

function outcomeOf(res: Response): Promise<number> {
  return new Promise((resolve, reject) => {
    res.once('finish', () =>
      res.statusCode < 400 ? resolve(res.statusCode) : reject(new Error(`HTTP ${res.statusCode}`)),
    );
    res.once('close', () => {
      if (!res.writableFinished) reject(new Error('the connection closed before the answer'));
    });
  });
}
