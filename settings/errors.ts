/** The error the settings spec throws; the rule, the CLI, the hook and the CDK props each report it in their own terms. */

/** A setting (a rule InputParameter, or the CLI flag or prop derived from one) has a value that cannot be used. The rule posts nothing. */
export class InvalidParameterError extends Error {
  override readonly name = 'InvalidParameterError';
  constructor(
    readonly parameter: string,
    /** What is wrong with the value, without the parameter's name: each caller names the setting its own way. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid rule parameter ${parameter}: ${problem}`, options);
  }
}
