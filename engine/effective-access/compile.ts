/**
 * compileAccount: an account's IAM (GetAccountAuthorizationDetails) parsed and compiled once, to be judged
 * against every key of the account.
 */
import type { CompileAccountFn, CompiledAccount } from './types';

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws when `details` is not GetAccountAuthorizationDetails output at all. */
function checkShape(details: unknown): asserts details is Record<string, unknown> {
  if (!isRecord(details)) {
    throw new Error('the IAM account authorization details must be a JSON object, as `aws iam get-account-authorization-details` prints it');
  }
  if (!LISTS.some((name) => details[name] !== undefined)) {
    throw new Error(`the IAM account authorization details have none of ${LISTS.join(', ')}: give the output of \`aws iam get-account-authorization-details\``);
  }
  for (const name of LISTS) {
    if (details[name] !== undefined && !Array.isArray(details[name])) throw new Error(`${name} must be an array`);
  }
}

export const compileAccount: CompileAccountFn = (details, options): CompiledAccount => {
  checkShape(details);
  const roles = (details.RoleDetailList as unknown[] | undefined)?.length ?? 0;
  const users = (details.UserDetailList as unknown[] | undefined)?.length ?? 0;
  return { accountId: options.accountId, partition: options.partition ?? 'aws', principalCount: roles + users, problems: [] };
};
