import {
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AccessTokens } from '../auth/access-tokens.service';
import { Metrics } from '../infra/metrics/metrics';
import { UsersService } from '../auth/users.service';
import { JobEventsSubscriber } from './job-events.subscriber';
import { JobEtaWatch, WatchAck } from './job-eta.watch';
import { handshakeError, handshakeToken, socketUser } from './socket-auth';
import { QueueRegistry } from '../queues';
import type { JobEvent } from '../queues';

const userRoom = (userId: string) => `user:${userId}`;
const queueRoom = (queue: string) => `queue:${queue}`;
const EVERY_JOB_ROOM = 'jobs:all';
const ADMIN_RECHECK_MS = 60_000;
/** Job endings remembered to drop a repeated announcement (a few MB at most). */
const REMEMBERED_ENDINGS = 50_000;
/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Ends the connection when its token expires: sign-in is checked once, at the handshake. */
function endAt(socket: Socket, expiresAt: Date): void {
  const timer = setTimeout(
    () => socket.disconnect(true),
    Math.min(MAX_TIMER_MS, Math.max(0, expiresAt.getTime() - Date.now())),
  );
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}

export type SubscribeAck = { ok: true; room: string } | { ok: false; error: string };

/**
 * Live job updates on the `/jobs` namespace. A socket needs a valid access token to connect and
 * then receives job:active / job:progress / job:completed / job:failed / job:retrying /
 * job:cancelled for its user's jobs, and job:eta for the jobs it `watch`es. Admins may also
 * `subscribe` to every job or to one queue.
 * Events come from workers in any process through Redis; one emit per event to the union of the
 * rooms concerned, so a socket that is in several of them still gets each event once.
 */
@WebSocketGateway({ namespace: '/jobs' })
export class JobsGateway
  implements OnGatewayInit, OnGatewayConnection, OnApplicationBootstrap, OnApplicationShutdown
{
  @WebSocketServer() private readonly namespace: Namespace;
  private readonly logger = new Logger('JobsGateway');
  private recheck?: NodeJS.Timeout;
  private readonly endings = new Set<string>();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly users: UsersService,
    private readonly events: JobEventsSubscriber,
    private readonly metrics: Metrics,
    private readonly registry: QueueRegistry,
    private readonly eta: JobEtaWatch,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      const token = handshakeToken(socket);
      if (!token)
        return next(
          handshakeError(401, 'Sign in first: connect with auth: { token: accessToken }'),
        );
      this.tokens.sessionOf(token).then(
        ({ user, expiresAt }) => {
          socket.data = { user: { id: user._id.toHexString(), role: user.role }, expiresAt };
          next();
        },
        (error: Error) =>
          next(
            error instanceof UnauthorizedException
              ? handshakeError(401, error.message)
              : handshakeError(503, 'Sign-in cannot be checked right now; try again shortly'),
          ),
      );
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    // Here, not in the handshake: a client gone before the handshake ended never disconnects.
    const { expiresAt } = socket.data as { expiresAt?: Date };
    if (expiresAt) endAt(socket, expiresAt);
    this.metrics.sockets.inc();
    socket.once('disconnect', () => this.metrics.sockets.dec());
    await socket.join(userRoom(socketUser(socket).id));
  }

  onApplicationBootstrap(): void {
    this.events.listen((event) => this.forward(event));
    this.recheck = setInterval(() => void this.recheckAdmins(), ADMIN_RECHECK_MS);
    this.eta.start(this.namespace);
  }

  onApplicationShutdown(): void {
    clearInterval(this.recheck);
  }

  /**
   * Admin rooms carry every user's jobs: a socket whose user is no longer an admin (or no longer
   * exists) leaves them within a minute, without waiting for its token to run out.
   */
  private async recheckAdmins(): Promise<void> {
    const watchers = [...this.namespace.sockets.values()].filter((socket) =>
      [...socket.rooms].some((room) => room === EVERY_JOB_ROOM || room.startsWith('queue:')),
    );
    for (const socket of watchers) {
      const user = await this.users.findById(socketUser(socket).id).catch(() => undefined);
      if (user === undefined || user?.role === 'admin') continue; // database away: next round
      for (const room of [...socket.rooms])
        if (room === EVERY_JOB_ROOM || room.startsWith('queue:')) await socket.leave(room);
      if (user === null) socket.disconnect(true);
    }
  }

  private forward(event: JobEvent): void {
    if (this.repeated(event)) return;
    this.namespace
      .to([userRoom(event.ownerId), queueRoom(event.queue), EVERY_JOB_ROOM])
      .emit(event.type, event);
  }

  /**
   * A job's end is announced by its worker and, when that worker died before its record was
   * written, by the reconciler too: the second announcement of one ending (same job, type and end
   * time) is dropped, so a client hears each ending once. Bounded: oldest endings forgotten first.
   */
  private repeated(event: JobEvent): boolean {
    if (!event.finishedAt) return false;
    const key = `${event.jobId}|${event.type}|${event.finishedAt}`;
    if (this.endings.has(key)) return true;
    this.endings.add(key);
    if (this.endings.size > REMEMBERED_ENDINGS)
      this.endings.delete(this.endings.values().next().value as string);
    return false;
  }

  /**
   * `{ jobId }` of one of the user's jobs: the ack gives its start estimate while it waits, and
   * `job:eta` follows whenever that estimate moves by more than a minute (JobEtaWatch).
   */
  @SubscribeMessage('watch')
  watch(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: { jobId?: unknown } | undefined,
  ): Promise<WatchAck> {
    // Redis or MongoDB away: say so instead of leaving the ack unanswered.
    return this.eta.watch(socket, body?.jobId).catch(() => ({
      ok: false as const,
      error: 'The job cannot be looked up right now; try again shortly',
    }));
  }

  @SubscribeMessage('unwatch')
  unwatch(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: { jobId?: unknown } | undefined,
  ): Promise<{ ok: boolean }> {
    return this.eta.unwatch(socket, body?.jobId);
  }

  /** Admins: `{}` for every job, `{ queue }` for one queue. The role is read again from the database. */
  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: { queue?: unknown } | undefined,
  ): Promise<SubscribeAck> {
    const room = await this.adminRoom(socket, body);
    if (typeof room !== 'string') return room;
    await socket.join(room);
    this.logger.debug(`admin ${socketUser(socket).id} watches ${room}`);
    return { ok: true, room };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: { queue?: unknown } | undefined,
  ): Promise<SubscribeAck> {
    const room = await this.adminRoom(socket, body);
    if (typeof room !== 'string') return room;
    await socket.leave(room);
    return { ok: true, room };
  }

  private async adminRoom(
    socket: Socket,
    body: { queue?: unknown } | undefined,
  ): Promise<string | SubscribeAck> {
    const user = await this.users.findById(socketUser(socket).id);
    if (user?.role !== 'admin')
      return { ok: false, error: 'Only admins can watch jobs other than their own' };
    const queue = body?.queue;
    if (queue === undefined) return EVERY_JOB_ROOM;
    const problem = this.registry.filterProblem(queue);
    if (problem) return { ok: false, error: problem };
    return queueRoom(queue as string);
  }
}
