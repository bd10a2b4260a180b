import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

/**
 * socket.io with the API's CORS origins: gateway decorators are fixed at import time, while the
 * allowed origins come from validated config (CORS_ORIGINS). No origins: same-site only.
 */
export class CorsIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly origins: string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      cors: this.origins.length ? { origin: this.origins } : undefined,
    }) as Server;
  }
}
