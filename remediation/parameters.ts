/**
 * Validation of the remediation request, done once at the edge. The SSM Automation document passes every
 * value as a string (comma-separated principal lists, "true"/"false"); direct invocations may pass arrays
 * and booleans. Both shapes are accepted and turned into one typed request.
 */
import { InvalidParameterError } from './errors';

export interface RemediationRequest {
  /** Key ID, multi-Region key ID or key ARN (aliases are refused: Config passes the key ID). */
  keyId: string;
  /** Principals that receive the administration part of account-wide grants. */
  adminPrincipalArns: string[];
  /** Principals that receive the usage part of account-wide grants. */
  usagePrincipalArns: string[];
  /** When true (the default), nothing is written and the diff is returned. */
  dryRun: boolean;
}

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * IAM role or user ARNs only. An account principal (`arn:…:root` or a bare account ID) is exactly the
 * account-wide grant being removed, and `*` is public; neither may come back through the parameters.
 * Wildcards are not allowed in the Principal element of a key policy anyway
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-elements).
 */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

function fail(parameter: string, message: string): never {
  throw new InvalidParameterError(parameter, message);
}

function readPrincipalList(parameter: string, raw: unknown): string[] {
  let items: unknown[];
  if (typeof raw === 'string') items = [raw];
  else if (Array.isArray(raw)) items = raw;
  else if (raw === undefined || raw === null) fail(parameter, 'is required: give at least one IAM role or user ARN');
  else fail(parameter, `must be a comma-separated string or a list of strings, got ${typeof raw}`);

  const arns: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') fail(parameter, `every entry must be a string, got ${typeof item}`);
    for (const part of item.split(/[\s,]+/)) {
      if (part === '') continue;
      if (!PRINCIPAL_ARN.test(part)) {
        const hint = /:root$/.test(part) || /^\d{12}$/.test(part)
          ? ' (an account principal grants the whole account, which is what this remediation removes)'
          : '';
        fail(parameter, `"${part}" is not an IAM role or user ARN such as arn:aws:iam::111122223333:role/KeyAdmin${hint}`);
      }
      if (!arns.includes(part)) arns.push(part);
    }
  }
  if (arns.length === 0) fail(parameter, 'is empty: give at least one IAM role or user ARN');
  return arns;
}

function readDryRun(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === '') return true;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const value = raw.trim().toLowerCase();
    if (value === 'true') return true;
    if (value === 'false') return false;
  }
  return fail('DryRun', `must be true or false, got ${JSON.stringify(raw)}`);
}

function readKeyId(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') fail('KeyId', 'is required: give the key ID or key ARN');
  const keyId = raw.trim();
  if (keyId.startsWith('alias/') || keyId.includes(':alias/')) {
    fail('KeyId', `"${keyId}" is an alias; give the key ID or key ARN so the right key is changed`);
  }
  if (!KEY_ID.test(keyId) && !KEY_ARN.test(keyId)) fail('KeyId', `"${keyId}" is not a KMS key ID or key ARN`);
  return keyId;
}

/** Parse and validate the event of the remediation Lambda. Throws InvalidParameterError. */
export function parseRemediationRequest(event: unknown): RemediationRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidParameterError('event', 'must be an object with KeyId, AdminPrincipalArns and UsagePrincipalArns');
  }
  const fields = event as Record<string, unknown>;
  return {
    keyId: readKeyId(fields.KeyId),
    adminPrincipalArns: readPrincipalList('AdminPrincipalArns', fields.AdminPrincipalArns),
    usagePrincipalArns: readPrincipalList('UsagePrincipalArns', fields.UsagePrincipalArns),
    dryRun: readDryRun(fields.DryRun),
  };
}
