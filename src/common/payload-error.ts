/** A payload (of a job, or of a request turned into one) failed validation; each problem says why. */
export class JobPayloadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'JobPayloadError';
  }
}
