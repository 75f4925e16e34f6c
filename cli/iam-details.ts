/**
 * `check --iam-details FILE`: who in the account can use and administer each key policy judged, from the JSON
 * that `aws iam get-account-authorization-details` prints (or the API's, pages merged), offline.
 */
import { readFile } from 'node:fs/promises';
import { accountOfArn, compileAccount, effectiveAccess, partitionOfArn, type AnalysisResult, type CompiledAccount, type EffectiveAccess, type OrganizationPolicies } from '../engine';
import { UsageError } from './io';

export interface IamDetails {
  file: string;
  account: CompiledAccount;
  /** The key the policies are judged as: --key-arn, or a placeholder for any key of the account. */
  keyArn: string;
  /** Set when keyArn is the placeholder. */
  placeholder: boolean;
}

/** Offline there are no grants to list and no organisation to ask: both make the answer incomplete, never "none". */
const GRANTS_UNKNOWN = 'check reads no grants: ListGrants needs the live key (scan reads them)';
const ORG_NOT_GIVEN: OrganizationPolicies = { readable: false, reason: 'organisation policies not given: check reads none', inOrganization: true, isManagementAccount: false, scps: [], rcps: [] };

function firstPrincipalArn(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  for (const list of ['RoleDetailList', 'UserDetailList'] as const) {
    const entries = (details as Record<string, unknown>)[list];
    if (!Array.isArray(entries)) continue;
    for (const e of entries) {
      const arn = typeof e === 'object' && e !== null ? (e as Record<string, unknown>).Arn : undefined;
      if (typeof arn === 'string' && accountOfArn(arn) !== undefined) return arn;
    }
  }
  return undefined;
}

const KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function parseKeyArn(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!KEY_ARN.test(value)) throw new UsageError(`--key-arn: "${value}" is not a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
  return value;
}

/**
 * Reads and compiles the details file. The account is --account-id, else the key ARN's, else the details' own
 * (the account of its roles and users); a file that is not the details at all is a usage error naming it.
 */
export async function readIamDetails(file: string, accountId: string | undefined, keyArn: string | undefined): Promise<IamDetails> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--iam-details: cannot read ${file}: ${(e as Error).message}`);
  }
  let details: unknown;
  try {
    details = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--iam-details: ${file} is not JSON (${(e as Error).message}); give the output of \`aws iam get-account-authorization-details\``);
  }
  const principalArn = firstPrincipalArn(details);
  const account = accountId ?? (keyArn ? accountOfArn(keyArn) : undefined) ?? (principalArn ? accountOfArn(principalArn) : undefined);
  if (account === undefined) throw new UsageError(`--iam-details: ${file} names no role or user, so its account is unknown: pass --account-id`);
  if (keyArn !== undefined && accountOfArn(keyArn) !== account) throw new UsageError(`--key-arn: the key is in account ${accountOfArn(keyArn) ?? '?'}, not ${account}`);
  if (principalArn !== undefined && accountOfArn(principalArn) !== account) {
    throw new UsageError(`--iam-details: ${file} describes account ${accountOfArn(principalArn) ?? '?'}, not ${account}`);
  }
  const partition = (keyArn ? partitionOfArn(keyArn) : undefined) ?? (principalArn ? partitionOfArn(principalArn) : undefined) ?? 'aws';
  let compiled: CompiledAccount;
  try {
    compiled = compileAccount(details, { accountId: account, partition });
  } catch (e) {
    throw new UsageError(`--iam-details: ${file}: ${(e as Error).message}`);
  }
  return { file, account: compiled, keyArn: keyArn ?? `arn:${partition}:kms:*:${account}:key/*`, placeholder: keyArn === undefined };
}

/** The effective access for one analysed key policy. */
export function effectiveAccessOf(iam: IamDetails, analysis: AnalysisResult): EffectiveAccess {
  return effectiveAccess(iam.account, { arn: iam.keyArn, analysis, grantsUnknownReason: GRANTS_UNKNOWN }, ORG_NOT_GIVEN);
}

/** Notes for the report: what the details held and what the answers rest on. */
export function iamDetailsNotes(iam: IamDetails): string[] {
  const notes = [`--iam-details ${iam.file}: ${iam.account.principalCount} roles and users of account ${iam.account.accountId} judged (and its root user)`];
  if (iam.placeholder) {
    notes.push(`no --key-arn given: each policy is judged as a key of account ${iam.account.accountId} whose ARN is unknown (${iam.keyArn}); identity policies that name particular keys count as conditional`);
  }
  if (iam.account.problems.length > 0) notes.push(`--iam-details ${iam.file}: ${iam.account.problems.length} document${iam.account.problems.length === 1 ? '' : 's'} could not be read, so every effective-access answer is incomplete (listed in each)`);
  return notes;
}
