import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';

/**
 * Every email template a job may ask for; each has `<name>.hbs` (HTML) and `<name>.text.hbs`
 * (plain text) in src/mail/templates.
 */
export const MAIL_TEMPLATES = ['welcome', 'job-completed', 'job-failed', 'post-published'] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

export class SendEmailPayload {
  @IsEmail({}, { message: 'to must be a valid email address' })
  to: string;

  /** Overrides the template's own subject. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject?: string;

  @IsIn(MAIL_TEMPLATES, { message: `template must be one of ${MAIL_TEMPLATES.join(', ')}` })
  template: MailTemplate;

  /** Values the template renders. */
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  /** The user the email concerns; they own the job. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  userId?: string;
}
