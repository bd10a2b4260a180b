import { MailerService } from '@nestjs-modules/mailer';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Handlebars from 'handlebars';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import type { MailConfig } from '../config/integrations-config';
import type { JobContext } from '../queues/contracts/job-context';
import { PermanentJobError } from '../queues/contracts/job-errors';
import type { SendEmailPayload } from '../queues/email-sending/send-email.payload';
import { MailLedger } from './mail-ledger';
import { MAIL_TEMPLATES, MailTemplate } from '../queues/email-sending/send-email.payload';
import { DEFAULT_SUBJECTS } from './mail-templates';

export interface SentMail {
  messageId: string;
  accepted: string[];
  /** The file written in the outbox folder when no SMTP server is configured (name only). */
  outboxFile?: string;
}

interface NodemailerInfo {
  messageId: string;
  accepted?: (string | { address: string })[];
  message?: Buffer;
}

/**
 * Renders a template (HTML through the mailer's handlebars adapter, plain text from
 * `<name>.text.hbs`) and sends it by SMTP, or writes it to the outbox folder.
 */
@Injectable()
export class MailService {
  private readonly mail: MailConfig;
  private readonly textTemplates = new Map<MailTemplate, Handlebars.TemplateDelegate>();
  private readonly logger = new Logger('Mail');

  private readonly messageDomain: string;
  private readonly inFlightMs: number;

  constructor(
    private readonly mailer: MailerService,
    private readonly ledger: MailLedger,
    config: ConfigService<AppConfig, true>,
  ) {
    this.mail = config.get('mail', { infer: true });
    // Message-IDs carry the sender's domain, as mail clients expect.
    this.inFlightMs = config.get('jobs', { infer: true }).lockDurationMs + 30_000;
    this.messageDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.mail.from)?.[1] ?? 'click-api.local';
  }

  /**
   * Sends at most once per job where the transport allows: a job whose message was accepted
   * before is answered from the ledger; the Message-ID and the outbox file name come from the job
   * id, so a resend in the one remaining window is recognisable and overwrites, never adds.
   */
  async send(
    payload: SendEmailPayload,
    job?: {
      id: string;
      deferUntil?: (at: Date, why: string) => Promise<never>;
      /** The job's fields for log lines (JobContext.logFields). */
      logFields?: Readonly<Record<string, unknown>>;
      /** The SMTP circuit breaker's gate (JobContext.admitProvider). */
      admitProvider?: JobContext['admitProvider'];
    },
  ): Promise<SentMail> {
    if (!MAIL_TEMPLATES.includes(payload.template))
      throw new PermanentJobError(`Unknown email template "${payload.template}"`);
    if (!job) return this.deliver(payload);
    const before = await this.ledger.find(job.id);
    const marked = before?.state === 'sending' ? await this.ledger.sentMark(job.id) : null;
    if (marked) {
      // The server said 250 to an earlier attempt, whose worker died before the ledger heard it.
      const sent = { messageId: marked.messageId, accepted: [payload.to], ...outbox(marked) };
      await this.ledger.sent({ _id: job.id, ...sent });
      this.logger.log({
        msg: `job ${job.id}: its email was accepted before (Redis mark); ledger completed, not sent again`,
        ...job.logFields,
      });
      return sent;
    }
    if (before?.state === 'sent') {
      this.logger.log({
        msg: `job ${job.id}: its email was accepted before; not sent again`,
        ...job.logFields,
      });
      const { messageId, accepted } = before;
      return { messageId, accepted, ...outbox(before) };
    }
    // A `sending` this young may be a run still in flight (a stalled worker still alive): wait it
    // out, without spending an attempt, rather than send beside it.
    const inFlightUntil = before ? before.updatedAt.getTime() + this.inFlightMs : 0;
    if (before?.state === 'sending' && Date.now() < inFlightUntil && job.deferUntil)
      await job.deferUntil(new Date(inFlightUntil), 'an earlier attempt may still be sending');
    // Asked before anything is claimed: while SMTP's breaker is open the job waits, unspent.
    const pass = await job.admitProvider?.('smtp');
    if (pass && !pass.admitted && job.deferUntil)
      await job.deferUntil(pass.until, 'smtp unavailable (circuit open)');
    const settle = pass?.admitted ? pass.settle : () => Promise.resolve();
    const messageId = `<${job.id}@${this.messageDomain}>`;
    await this.ledger.sending(job.id, messageId).catch(async (error: unknown) => {
      await settle('unused');
      throw error;
    });
    const sent = await this.deliver(payload, {
      messageId,
      jobId: job.id,
      logFields: job.logFields,
    }).catch(async (error: unknown) => {
      // A refusal for good (5xx) is the server answering; anything else counts against it.
      await settle(error instanceof PermanentJobError ? 'ok' : 'fault').catch(() => undefined);
      // The server said no, or was never reached: nothing was sent, so a retry may send at once.
      if (definitelyNotSent(error)) await this.ledger.forget(job.id);
      throw error;
    });
    // First thing after the 250: the Redis mark (one round trip), then the MongoDB ledger.
    await this.ledger.markSent(job.id, sent);
    await settle('ok').catch(() => undefined);
    await this.ledger.sent({ _id: job.id, ...sent });
    return sent;
  }

  /** What a job's email left here — its ledger entry and outbox file — goes (owner erased). */
  async forgetJob(jobId: string): Promise<void> {
    await this.ledger.forget(jobId);
    await rm(path.join(this.mail.outboxDir, `${path.basename(jobId)}.eml`), { force: true });
  }

  private async deliver(
    payload: SendEmailPayload,
    ids: {
      messageId?: string;
      jobId?: string;
      logFields?: Readonly<Record<string, unknown>>;
    } = {},
  ): Promise<SentMail> {
    const context = payload.data ?? {};
    const subject =
      payload.subject ?? Handlebars.compile(DEFAULT_SUBJECTS[payload.template])(context);
    const text = (await this.textTemplate(payload.template))(context);
    let info: NodemailerInfo;
    try {
      info = await this.mailer.sendMail({
        to: payload.to,
        ...(ids.messageId ? { messageId: ids.messageId } : {}),
        subject,
        template: payload.template,
        context,
        text,
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
    const accepted = (info.accepted ?? []).map((a) => (typeof a === 'string' ? a : a.address));
    if (this.mail.smtpUrl) return { messageId: info.messageId, accepted };
    const outboxFile = await this.writeToOutbox(info, ids.jobId);
    this.logger.log({
      msg: `no SMTP_URL: wrote ${path.basename(outboxFile)} for ${payload.to}`,
      ...ids.logFields,
    });
    return {
      messageId: info.messageId,
      accepted: [payload.to],
      outboxFile: path.basename(outboxFile),
    };
  }

  private async textTemplate(name: MailTemplate): Promise<Handlebars.TemplateDelegate> {
    let template = this.textTemplates.get(name);
    if (!template) {
      template = Handlebars.compile(
        await readFile(path.join(__dirname, 'templates', `${name}.text.hbs`), 'utf8'),
      );
      this.textTemplates.set(name, template);
    }
    return template;
  }

  /** One file per job (`<jobId>.eml`: a retry overwrites it); by time for mail of no job. */
  private async writeToOutbox(info: NodemailerInfo, jobId?: string): Promise<string> {
    await mkdir(this.mail.outboxDir, { recursive: true });
    const id = info.messageId.replace(/[^A-Za-z0-9.-]/g, '');
    const file = path.join(
      this.mail.outboxDir,
      jobId ? `${jobId}.eml` : `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.eml`,
    );
    await writeFile(file, info.message ?? Buffer.alloc(0));
    return file;
  }
}

const outbox = ({ outboxFile }: { outboxFile?: string }) => (outboxFile ? { outboxFile } : {});

function definitelyNotSent(error: unknown): boolean {
  const e = error as { responseCode?: number; code?: string; cause?: unknown };
  const refused = e.responseCode !== undefined && e.responseCode >= 400;
  const unreached = ['ECONNREFUSED', 'ENOTFOUND', 'EDNS', 'EENVELOPE'].includes(e.code ?? '');
  return refused || unreached || (e.cause !== undefined && definitelyNotSent(e.cause));
}

/** SMTP 5xx (and envelope errors) will not get better by retrying; 4xx and network errors may. */
function classifySmtpError(error: unknown): Error {
  const e = error as { responseCode?: number; code?: string; message?: string };
  if ((e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EENVELOPE') {
    return new PermanentJobError(`Mail rejected: ${e.message ?? String(error)}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
