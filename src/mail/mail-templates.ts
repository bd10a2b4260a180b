/** Every email template; each has `<name>.hbs` (HTML) and `<name>.text.hbs` (plain text). */
export const MAIL_TEMPLATES = ['welcome', 'job-completed', 'job-failed', 'post-published'] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

/** Subjects used when a job does not give its own; `{{…}}` is filled from the template data. */
export const DEFAULT_SUBJECTS: Record<MailTemplate, string> = {
  welcome: 'Welcome to Click, {{name}}!',
  'job-completed': 'Your {{jobName}} job is done',
  'job-failed': 'Your {{jobName}} job failed',
  'post-published': 'Your post is live on {{platforms}}',
};
