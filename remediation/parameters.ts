/**
 * Validation of the remediation request, done once at the edge. The SSM Automation document passes every
 * value as a string ("true"/"false"); direct invocations may pass booleans. Both shapes are accepted and
 * turned into one typed request.
 *
 * The request names the key and whether to write, nothing else. Who receives the rewritten grants is fixed
 * when the remediation is deployed (remediation/settings.ts): an event that tries to choose them, or any
 * other field, is refused before any AWS call.
 */
import { InvalidParameterError } from './errors';

export interface RemediationRequest {
  /** Key ID, multi-Region key ID or key ARN (aliases are refused: Config passes the key ID). */
  keyId: string;
  /** When true (the default), nothing is written and the diff is returned. */
  dryRun: boolean;
}

/** DryRun when the request leaves it out: report the diff, write nothing. */
export const DEFAULT_DRY_RUN = true;

/** The only fields an event may carry. */
export const REQUEST_FIELDS = ['KeyId', 'DryRun'] as const;

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function fail(parameter: string, message: string): never {
  throw new InvalidParameterError(parameter, message);
}

/** Why a field other than KeyId and DryRun is refused, said for the fields an earlier version accepted. */
function refusal(field: string): string {
  switch (field) {
    case 'AdminPrincipalArns':
    case 'UsagePrincipalArns':
      return (
        'is not accepted: the principals the remediation writes are fixed when the remediation is deployed ' +
        '(remediationAdminPrincipalArns and remediationUsagePrincipalArns); an invocation cannot choose them'
      );
    case 'AutomationAssumeRole':
      return 'is not accepted: the Automation document runs with the role fixed at deployment, and the function takes no role';
    default:
      return `is not a parameter of the remediation, which accepts only ${REQUEST_FIELDS.join(' and ')}`;
  }
}

function readDryRun(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_DRY_RUN;
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
    throw new InvalidParameterError('event', `must be an object with ${REQUEST_FIELDS.join(' and ')}`);
  }
  const fields = event as Record<string, unknown>;
  const extra = Object.keys(fields).filter((k) => !(REQUEST_FIELDS as readonly string[]).includes(k));
  const first = extra[0];
  if (first !== undefined) {
    const others = extra.length > 1 ? ` (the event also carries ${extra.slice(1).join(', ')})` : '';
    fail(first, `${refusal(first)}${others}`);
  }
  return { keyId: readKeyId(fields.KeyId), dryRun: readDryRun(fields.DryRun) };
}
