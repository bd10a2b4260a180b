import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';

export interface Session {
  token: string;
  user: { id: string; email: string; name: string; role: string };
}

/** supertest against the app's HTTP server, with helpers to sign up and sign in. */
export class ApiClient {
  private counter = 0;

  constructor(private readonly app: INestApplication) {}

  private get server(): App {
    return this.app.getHttpServer() as App;
  }

  call(method: 'get' | 'post' | 'delete', path: string, token?: string) {
    const req = request(this.server)[method](`/api${path}`);
    return token ? req.set('authorization', `Bearer ${token}`) : req;
  }

  async register(
    name: string,
    email = `${name.toLowerCase()}-${++this.counter}-${Date.now()}@example.com`,
  ): Promise<Session> {
    const res = await this.call('post', '/auth/register').send({
      email,
      password: 'password123',
      name,
    });
    if (res.status !== 201)
      throw new Error(`register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    return {
      token: (res.body as { accessToken: string }).accessToken,
      user: (res.body as Session['user'] & { user: Session['user'] }).user,
    };
  }

  async login(email: string, password: string): Promise<Session> {
    const res = await this.call('post', '/auth/login').send({ email, password });
    if (res.status !== 200)
      throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    return {
      token: (res.body as { accessToken: string }).accessToken,
      user: (res.body as { user: Session['user'] }).user,
    };
  }
}
