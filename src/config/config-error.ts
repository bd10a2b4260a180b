/** A bad environment variable. Its message is one line naming the variable and what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    value?: string,
  ) {
    // Values of secret-looking variables are never echoed back.
    const shown =
      value === undefined || /SECRET|PASSWORD|KEY|TOKEN/.test(variable) ? '' : ` (got "${value}")`;
    super(`${variable} ${problem}${shown}`);
    this.name = 'ConfigError';
  }
}
