/**
 * Typed errors of the key policy remediation. Each carries a stable `code` so the SSM Automation output and
 * the logs can be searched, and a message that says what to do next.
 */
export type RemediationErrorCode =
  | 'INVALID_PARAMETER'
  | 'INVALID_CONFIGURATION'
  | 'UNSUPPORTED_KEY'
  | 'POLICY_UNREADABLE'
  | 'LOCKOUT_RISK'
  | 'STILL_ACCOUNT_WIDE'
  | 'NEW_FINDINGS'
  | 'POLICY_CHANGED'
  | 'BACKUP_TOO_LARGE'
  | 'BACKUP_FAILED'
  | 'APPLY_FAILED';

class RemediationError extends Error {
  readonly code: RemediationErrorCode;

  constructor(code: RemediationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A parameter of the Automation document (or of a direct invocation) is missing or malformed. */
export class InvalidParameterError extends RemediationError {
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super('INVALID_PARAMETER', `${parameter}: ${message}`);
    this.parameter = parameter;
  }
}

/**
 * A setting fixed when the remediation was deployed (the function's environment) is missing or malformed.
 * Every invocation is refused until the stack is deployed again with valid settings.
 */
export class RemediationConfigurationError extends RemediationError {
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('INVALID_CONFIGURATION', `${setting}: ${message}`);
    this.setting = setting;
  }
}

/** The key cannot be remediated here (for example an AWS managed key, whose policy AWS owns). */
export class UnsupportedKeyError extends RemediationError {
  constructor(message: string) {
    super('UNSUPPORTED_KEY', message);
  }
}

/** The current key policy could not be read or is not JSON: nothing is rewritten from a guess. */
export class PolicyUnreadableError extends RemediationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POLICY_UNREADABLE', message, options);
  }
}

/** The rewritten policy would leave no principal able to call kms:PutKeyPolicy. */
export class LockoutRiskError extends RemediationError {
  constructor(message: string) {
    super('LOCKOUT_RISK', message);
  }
}

/** The rewrite would grant access the old policy did not (for example to a principal of another account). */
export class NewFindingsError extends RemediationError {
  readonly checkIds: string[];

  constructor(message: string, checkIds: string[]) {
    super('NEW_FINDINGS', message);
    this.checkIds = checkIds;
  }
}

/** The engine still reports account-wide access (or an invalid policy) on the rewrite. */
export class StillAccountWideError extends RemediationError {
  readonly checkIds: string[];

  constructor(message: string, checkIds: string[]) {
    super('STILL_ACCOUNT_WIDE', message);
    this.checkIds = checkIds;
  }
}

/**
 * The key policy read again right before writing differs from the one the rewrite was computed from:
 * someone changed it meanwhile. Nothing was written (no backup, no new policy).
 */
export class PolicyChangedError extends RemediationError {
  constructor(message: string) {
    super('POLICY_CHANGED', message);
  }
}

/** The old policy does not fit in one SSM parameter (Advanced tier holds 8 KB). */
export class BackupTooLargeError extends RemediationError {
  constructor(message: string) {
    super('BACKUP_TOO_LARGE', message);
  }
}

/** Writing the backup parameter failed; the key policy was not touched. */
export class BackupFailedError extends RemediationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKUP_FAILED', message, options);
  }
}

/** PutKeyPolicy failed after the backup was written; KMS kept the previous policy. */
export class ApplyFailedError extends RemediationError {
  readonly backupParameterName: string;

  constructor(message: string, backupParameterName: string, options?: { cause?: unknown }) {
    super('APPLY_FAILED', message, options);
    this.backupParameterName = backupParameterName;
  }
}
