/**
 * Remediation Lambda, invoked by the SSM Automation document `KmsPolicyGuard-RemediateKeyPolicy`.
 *
 * Trust model: the event names a key and DryRun, nothing else. The principals written into the policy are
 * fixed when the function is deployed (its environment, remediation/settings.ts), so whoever can invoke the
 * function or start the Automation can at most apply the deployed rewrite, never name themselves.
 *
 * Order of operations, each step refusing rather than guessing:
 *   1. validate the parameters (typed InvalidParameterError; any field but KeyId and DryRun is refused);
 *   2. DescribeKey (refuse AWS managed keys, learn the account and ARN) and GetKeyPolicy;
 *   3. rewrite the grants behind the engine's account-wide findings (remediation/rewrite.ts);
 *   4. refuse if no principal could call kms:PutKeyPolicy afterwards, if the caller itself could not (KMS
 *      then rejects the policy: BypassPolicyLockoutSafetyCheck stays false), if the engine still reports
 *      ACCOUNT_WIDE_* or INVALID_POLICY on the rewrite, or if the rewrite brings a finding the old policy did
 *      not have (a principal of another account, say);
 *   5. dry run (the default): return the diff, write nothing;
 *   6. read the policy again; if it changed since step 2, write nothing (PolicyChangedError);
 *   7. back up that policy to SSM Parameter Store, then PutKeyPolicy with BypassPolicyLockoutSafetyCheck
 *      false. If PutKeyPolicy fails, KMS keeps the old policy.
 *
 * PutKeyPolicy has no conditional write (no ETag or expected-version parameter), so step 6 narrows the
 * window for a lost update to the PutParameter and PutKeyPolicy calls; it cannot close it.
 *
 * Backups are plain `String` parameters, not SecureString: a key policy is not a secret (anyone allowed
 * kms:GetKeyPolicy reads it), and SecureString would tie restoring a key policy to another KMS key and
 * widen this function's KMS permissions. Access is governed by IAM on the parameter path instead.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, type KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import { accountOfPrincipal, analyzePolicy, CHECK, partitionOfArn, wholeAccountOf, type AnalysisResult, type CheckId, type Finding } from '../engine';
import { createRemediationClients } from './clients';
import {
  ApplyFailedError,
  BackupFailedError,
  BackupTooLargeError,
  InvalidParameterError,
  LockoutRiskError,
  NewFindingsError,
  PolicyChangedError,
  PolicyUnreadableError,
  RemediationConfigurationError,
  StillAccountWideError,
  UnsupportedKeyError,
} from './errors';
import { lineDiff, prettyJson } from './line-diff';
import { parseRemediationRequest } from './parameters';
import {
  policyAdministrators,
  putKeyPolicyDenies,
  REWRITTEN_CHECKS,
  rewriteKeyPolicy,
  toPolicyDocument,
  worstCaseDenies,
  type KeyPolicyDocument,
  type RewriteResult,
} from './rewrite';
import { ADMINISTRATION_PRINCIPALS_ENV, BACKUP_PARAMETER_PREFIX, readRemediationPrincipals, USE_PRINCIPALS_ENV, type RemediationPrincipals } from './settings';

/** Standard parameters hold 4 KB, Advanced 8 KB (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html). */
const STANDARD_TIER_MAX_BYTES = 4096;
const ADVANCED_TIER_MAX_BYTES = 8192;

export type RemediationLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface RemediationDeps {
  kms: Pick<KMSClient, 'send'>;
  ssm: Pick<SSMClient, 'send'>;
  /** Tells who the function runs as (GetCallerIdentity needs no permission). */
  sts: Pick<STSClient, 'send'>;
  /** The principals the rewrite names, fixed at deployment (never taken from the event). */
  principals: RemediationPrincipals;
  /** The engine's analysis; injectable for tests. */
  analyze?: typeof analyzePolicy;
  now?: () => Date;
  logger?: RemediationLogger;
}

interface ResultBase {
  keyId: string;
  keyArn: string;
  /** One line per change made (or that would be made) to the policy. */
  changes: string[];
  /** Line diff of the pretty-printed policies (`- ` old, `+ ` new). */
  diff: string;
  /** Principals that can call kms:PutKeyPolicy under the new policy. */
  policyAdministrators: string[];
}

export type RemediationResult =
  | { status: 'NO_CHANGE'; keyId: string; keyArn: string; message: string }
  | (ResultBase & { status: 'DRY_RUN'; newPolicy: string; message: string })
  | (ResultBase & { status: 'APPLIED'; backupParameterName: string; message: string });

/** Findings the rewrite must leave none of: the account-wide grants it replaces, and a policy that does not parse. */
const REFUSED_CHECKS: ReadonlySet<CheckId> = new Set([...REWRITTEN_CHECKS, CHECK.INVALID_POLICY]);

/** `/kms-policy-guard/backup/<keyId>/<timestamp>`; colons are not allowed in parameter names, so the ISO time uses dashes. */
export function backupParameterName(keyId: string, at: Date): string {
  return `${BACKUP_PARAMETER_PREFIX}/${keyId}/${at.toISOString().replace(/:/g, '-')}`;
}

/** The principal a key policy would name for the caller: a role (from its session ARN) or a user. */
export function callerPrincipal(callerArn: string): { account: string; type: 'role' | 'user'; name: string } | undefined {
  const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (session) return { account: session[1] ?? '', type: 'role', name: session[2] ?? '' };
  const user = /^arn:[^:]+:(?:iam|sts)::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  if (user) return { account: user[1] ?? '', type: 'user', name: user[2] ?? '' };
  return undefined;
}

/** Whether one of the principal ARNs is the caller (a session ARN carries no role path, so match by name). */
function namesCaller(arns: readonly string[], caller: { account: string; type: 'role' | 'user'; name: string }): boolean {
  return arns.some((arn) => {
    const m = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m !== null && m[1] === caller.account && m[2] === caller.type && m[3] === caller.name;
  });
}

/**
 * Findings of the rewrite that the old policy did not already imply: the same check on the same principal,
 * or on the account that principal belongs to (a role of an account with account-wide access already had
 * that access), or a finding on that account whose access covers the new one.
 */
function newFindings(before: readonly Finding[], after: readonly Finding[]): Finding[] {
  const implies: Partial<Record<CheckId, readonly CheckId[]>> = {
    [CHECK.ACCOUNT_WIDE_FULL_ACCESS]: [CHECK.ACCOUNT_WIDE_USAGE, CHECK.ACCOUNT_WIDE_ADMINISTRATION, CHECK.NO_SEPARATION_OF_DUTIES, CHECK.UNCONSTRAINED_GRANT_CREATION],
  };
  return after.filter((f) => {
    const who = f.principals[0] ?? '';
    const account = accountOfPrincipal(who);
    return !before.some((g) => {
      if (g.checkId !== f.checkId && !(implies[g.checkId] ?? []).includes(f.checkId)) return false;
      const was = g.principals[0] ?? '';
      if (was === who) return true;
      const wasAccount = wholeAccountOf(was);
      return wasAccount !== undefined && wasAccount === account;
    });
  });
}

/**
 * Refuse, before any AWS call, a key ARN of another account or partition than the deployed principals (which
 * `cdk synth` holds to the stack's account): the function rewrites keys of its own account only, so that is a
 * wrong KeyId, not a wrong deployment. A bare key ID is always looked up in the function's own account.
 */
function checkKeyIsOwn(keyId: string, principals: RemediationPrincipals): void {
  const m = /^arn:([^:]+):kms:[^:]*:(\d{12}):/.exec(keyId);
  if (m === null) return;
  const all = [...principals.administration, ...principals.use];
  const accounts = new Set(all.map(accountOfPrincipal));
  const partitions = new Set(all.map(partitionOfArn));
  const [account] = accounts;
  const [partition] = partitions;
  if (partitions.size === 1 && partition !== undefined && m[1] !== partition) {
    throw new InvalidParameterError(
      'KeyId',
      `"${keyId}" is a key of partition ${m[1] ?? '?'}; the remediation rewrites only keys of its own partition (${partition}), where it is deployed`,
    );
  }
  if (accounts.size === 1 && account !== undefined && m[2] !== account) {
    throw new InvalidParameterError(
      'KeyId',
      `"${keyId}" is a key of account ${m[2] ?? '?'}; the remediation rewrites only keys of its own account (${account}), where it is deployed: ` +
        `run the remediation deployed in that account`,
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The key as DescribeKey names it. */
interface KeyIdentity {
  keyId: string;
  keyArn: string;
  accountId: string;
}

/** The current policy: its text as KMS returned it, and the document the rewrite works on. */
interface CurrentPolicy {
  text: string;
  document: KeyPolicyDocument;
}

/** A rewrite the engine accepted: the new policy, its analysis and the old policy's. */
interface CheckedRewrite {
  rewrite: RewriteResult;
  before: AnalysisResult;
  after: AnalysisResult;
}

type Analyze = typeof analyzePolicy;

/** Step 1: an empty list would write `"AWS": []`, which KMS rejects, after the engine already called it invalid. */
function checkPrincipalsDeployed(principals: RemediationPrincipals): void {
  for (const [setting, arns] of [
    [ADMINISTRATION_PRINCIPALS_ENV, principals.administration],
    [USE_PRINCIPALS_ENV, principals.use],
  ] as const) {
    if (arns.length === 0) throw new RemediationConfigurationError(setting, 'names no principal; the remediation needs both lists to rewrite a policy');
  }
}

/** Step 2: the key's ARN and account, refusing an AWS managed key (AWS owns its policy). */
async function describeKey(kms: RemediationDeps['kms'], requestedKeyId: string): Promise<KeyIdentity> {
  const described = await kms.send(new DescribeKeyCommand({ KeyId: requestedKeyId }));
  const metadata = described.KeyMetadata;
  if (metadata?.Arn === undefined || metadata.KeyId === undefined || metadata.AWSAccountId === undefined) {
    throw new UnsupportedKeyError(`DescribeKey returned no ARN or account for ${requestedKeyId}`);
  }
  if (metadata.KeyManager === 'AWS') {
    throw new UnsupportedKeyError(`${metadata.Arn} is an AWS managed key; AWS owns its key policy, which cannot be changed`);
  }
  return { keyId: metadata.KeyId, keyArn: metadata.Arn, accountId: metadata.AWSAccountId };
}

/** Step 2: a key policy can only name principals of the key's own partition, and the rewrite names only the key's account. */
function checkPrincipalsMatchKey(principals: RemediationPrincipals, { keyArn, accountId }: KeyIdentity): void {
  for (const [setting, arns] of [
    [ADMINISTRATION_PRINCIPALS_ENV, principals.administration],
    [USE_PRINCIPALS_ENV, principals.use],
  ] as const) {
    for (const arn of arns) {
      if (partitionOfArn(arn) !== partitionOfArn(keyArn)) {
        throw new RemediationConfigurationError(
          setting,
          `"${arn}" is of partition ${partitionOfArn(arn) ?? '?'}, not the key's partition ${partitionOfArn(keyArn) ?? '?'} (${keyArn}); ` +
            `a key policy can only name principals of its own partition`,
        );
      }
      if (accountOfPrincipal(arn) !== accountId) {
        throw new RemediationConfigurationError(
          setting,
          `"${arn}" belongs to another account than the key (${accountId}); the remediation only names principals of the key's own account`,
        );
      }
    }
  }
}

/** Step 2: the current policy, refused when KMS returns none or it is not a readable JSON policy. */
async function readCurrentPolicy(kms: RemediationDeps['kms'], { keyId, keyArn }: KeyIdentity): Promise<CurrentPolicy> {
  const current = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
  const text = current.Policy;
  if (text === undefined || text === '') {
    throw new PolicyUnreadableError(`GetKeyPolicy returned no policy for ${keyArn}`);
  }
  try {
    return { text, document: toPolicyDocument(text) };
  } catch (error) {
    throw new PolicyUnreadableError(`the key policy of ${keyArn} is not a readable JSON policy: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Steps 3 and 4: the rewrite, refused if the engine still reports a refused check on it, or if it brings a finding
 * the old policy did not have. Undefined when there is nothing to rewrite.
 */
function rewriteChecked(current: CurrentPolicy, key: KeyIdentity, principals: RemediationPrincipals, analyze: Analyze): CheckedRewrite | undefined {
  const { accountId, keyArn } = key;
  const before = analyze(current.document, { accountId, keyArn });
  const rewrite = rewriteKeyPolicy(current.document, {
    accountId,
    keyArn,
    administrationPrincipalArns: principals.administration,
    usePrincipalArns: principals.use,
    analysis: before,
  });

  const after = analyze(rewrite.policy, { accountId, keyArn });
  const remaining = after.findings.filter((f) => REFUSED_CHECKS.has(f.checkId));
  if (remaining.length > 0) {
    const detail = remaining.map((f) => `${f.checkId} at ${f.path}: ${f.message}`).join('; ');
    const why = rewrite.skipped.length > 0 ? ` Left in place: ${rewrite.skipped.join('; ')}.` : '';
    throw new StillAccountWideError(
      `${rewrite.changed ? 'the rewritten' : 'the'} policy of ${keyArn} still grants account-wide access that this ` +
        `remediation cannot rewrite safely; fix it by hand: ${detail}${why}`,
      [...new Set(remaining.map((f) => f.checkId))],
    );
  }
  if (!rewrite.changed) return undefined;
  const added = newFindings(before.findings, after.findings);
  if (added.length > 0) {
    throw new NewFindingsError(
      `refusing to rewrite ${keyArn}: the new policy would bring findings the old one did not have: ` +
        added.map((f) => `${f.checkId} (${f.message})`).join('; '),
      [...new Set(added.map((f) => f.checkId))],
    );
  }
  return { rewrite, before, after };
}

/**
 * Step 4: who keeps kms:PutKeyPolicy, from the engine's access summary of the new policy with every Deny at its
 * strongest (a Deny whose conditions may hold on the next call is assumed to apply). Refused when nobody does.
 */
function keptPolicyAdministrators({ rewrite, after }: CheckedRewrite, { accountId, keyArn }: KeyIdentity, analyze: Analyze): string[] {
  const worstCase = analyze(worstCaseDenies(rewrite.policy, after), { accountId, keyArn });
  const administrators = new Set(policyAdministrators(worstCase));
  const kept = policyAdministrators(after).filter((p) => administrators.has(p));
  if (kept.length === 0) {
    const denies = putKeyPolicyDenies(after, rewrite.origins);
    throw new LockoutRiskError(
      `refusing to rewrite ${keyArn}: afterwards no role or user could call kms:PutKeyPolicy unconditionally, so ` +
        `nobody could change the key policy again. ` +
        (denies.length > 0
          ? `Deny statements that name kms:PutKeyPolicy (counted as if their conditions held): ${denies.join(', ')}.`
          : `The account-wide grant being replaced carries no kms:PutKeyPolicy, so the administrators receive none; ` +
            `grant it to a named administrator by hand first.`),
    );
  }
  return kept;
}

/**
 * Step 4: KMS accepts a new key policy only if the principal sending it could still change it afterwards
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html, BypassPolicyLockoutSafetyCheck).
 * Refused, saying what to fix, when the function itself would not keep kms:PutKeyPolicy.
 */
async function checkCallerKeepsPutKeyPolicy(
  deps: RemediationDeps,
  analyze: Analyze,
  checked: CheckedRewrite,
  current: CurrentPolicy,
  key: KeyIdentity,
  policyAdministratorArns: readonly string[],
): Promise<void> {
  const { rewrite, before, after } = checked;
  const { accountId, keyArn } = key;
  const callerArn = (await deps.sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  const caller = callerPrincipal(callerArn);
  if (caller !== undefined && namesCaller(policyAdministratorArns, caller)) return;
  const deployedAs = caller === undefined ? undefined : deps.principals.administration.find((arn) => namesCaller([arn], caller));
  if (caller !== undefined && deployedAs !== undefined) {
    // The function is a deployed administrator, so the rewrite names it wherever it names the administrators;
    // what is missing is kms:PutKeyPolicy itself (or a Deny takes it away).
    const allowsOnly = { ...rewrite.policy, Statement: rewrite.policy.Statement.filter((st) => st.Effect !== 'Deny') };
    const denied = namesCaller(policyAdministrators(analyze(allowsOnly, { accountId, keyArn })), caller);
    const replaced = [...new Set(before.findings.filter((f) => REFUSED_CHECKS.has(f.checkId)).flatMap((f) => f.statementIndexes))]
      .sort((x, y) => x - y)
      .map((i) => {
        const sid = current.document.Statement[i]?.Sid;
        return typeof sid === 'string' ? `statement ${i} ("${sid}")` : `statement ${i}`;
      });
    const today = policyAdministrators(analyze(worstCaseDenies(current.document, before), { accountId, keyArn })).filter(
      (arn) => !namesCaller([arn], caller),
    );
    const who =
      today.length > 0
        ? `${today.join(', ')} can add an Allow of kms:PutKeyPolicy for ${deployedAs} to the key policy`
        : `no role or user is named with kms:PutKeyPolicy in the current policy either; someone allowed to change it must add an Allow of kms:PutKeyPolicy for ${deployedAs}`;
    throw new LockoutRiskError(
      `refusing to rewrite ${keyArn}: the remediation runs as ${deployedAs}, which is among the deployed administrators, ` +
        (denied
          ? `but Deny statements that name kms:PutKeyPolicy (counted as if their conditions held) would stop it from calling ` +
            `kms:PutKeyPolicy afterwards, so KMS would reject the change: ${putKeyPolicyDenies(after, rewrite.origins).join(', ')}. ` +
            `Narrow those Deny statements so that they spare ${deployedAs}, then run the remediation again.`
          : `but the rewritten policy gives it no kms:PutKeyPolicy, so KMS would reject the change: the deployed administrators ` +
            `receive only the administration actions of the account-wide grants being replaced, and ${replaced.join(', ')} carry ` +
            `no kms:PutKeyPolicy, and no statement grants it unconditionally to ${deployedAs} by name. To fix: ${who}, then run the remediation again (or apply the rewrite by hand).`),
    );
  }
  const named = caller ? `arn:aws:iam::${caller.account}:${caller.type}/${caller.name}` : callerArn;
  throw new LockoutRiskError(
    `refusing to rewrite ${keyArn}: the remediation runs as ${named || 'an unknown principal'}, and the rewritten policy ` +
      `would not let it call kms:PutKeyPolicy, so KMS would reject the change. Add that ${caller?.type ?? 'principal'} ` +
      `(with its path) to the deployed administrators (${ADMINISTRATION_PRINCIPALS_ENV}).`,
  );
}

/**
 * Step 6: read again right before writing: a statement added meanwhile would be in neither the new policy nor the
 * backup. KMS offers no conditional PutKeyPolicy, so this narrows the window to the two writes that follow.
 */
async function checkPolicyUnchanged(kms: RemediationDeps['kms'], current: CurrentPolicy, { keyId, keyArn }: KeyIdentity): Promise<void> {
  const again = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
  if (again.Policy !== current.text) {
    throw new PolicyChangedError(
      `the policy of ${keyArn} changed while the remediation was preparing its rewrite (GetKeyPolicy returned a different ` +
        `policy the second time); nothing was written. Review the change, then run the remediation again.`,
    );
  }
}

/** Step 7: the current policy saved to SSM Parameter Store; returns the parameter's name. Nothing is written to KMS if this fails. */
async function backUpPolicy(ssm: RemediationDeps['ssm'], current: CurrentPolicy, { keyId, keyArn }: KeyIdentity, at: Date): Promise<string> {
  const size = Buffer.byteLength(current.text, 'utf8');
  if (size > ADVANCED_TIER_MAX_BYTES) {
    throw new BackupTooLargeError(
      `the current policy of ${keyArn} is ${size} bytes, more than an SSM parameter holds (${ADVANCED_TIER_MAX_BYTES}); ` +
        `back it up elsewhere and apply the dry-run policy by hand`,
    );
  }
  const name = backupParameterName(keyId, at);
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: current.text,
        Type: 'String',
        Tier: size > STANDARD_TIER_MAX_BYTES ? 'Advanced' : 'Standard',
        Overwrite: false,
        Description: `Key policy of ${keyArn} before kms-policy-guard remediation`.slice(0, 1024),
      }),
    );
  } catch (error) {
    throw new BackupFailedError(`could not back up the policy of ${keyArn} to ${name}; the key policy was not changed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  return name;
}

/** Step 7: PutKeyPolicy with BypassPolicyLockoutSafetyCheck false. If it fails, KMS keeps the old policy. */
async function applyPolicy(kms: RemediationDeps['kms'], newText: string, { keyId, keyArn }: KeyIdentity, backupName: string, logger: RemediationLogger): Promise<void> {
  try {
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: newText, BypassPolicyLockoutSafetyCheck: false }));
  } catch (error) {
    logger.error('PutKeyPolicy failed; the previous policy stays in place', { keyArn, backupParameterName: backupName, error: errorMessage(error) });
    throw new ApplyFailedError(`PutKeyPolicy failed for ${keyArn}; KMS kept the previous policy (backup at ${backupName}): ${errorMessage(error)}`, backupName, {
      cause: error,
    });
  }
}

export function createRemediationHandler(deps: RemediationDeps): (event: unknown) => Promise<RemediationResult> {
  const analyze = deps.analyze ?? analyzePolicy;
  const now = deps.now ?? (() => new Date());
  const logger: RemediationLogger = deps.logger ?? new Logger({ serviceName: 'kms-policy-guard-remediation' });

  return async (event: unknown): Promise<RemediationResult> => {
    const request = parseRemediationRequest(event);
    checkPrincipalsDeployed(deps.principals);
    checkKeyIsOwn(request.keyId, deps.principals);

    const key = await describeKey(deps.kms, request.keyId);
    const { keyId, keyArn } = key;
    checkPrincipalsMatchKey(deps.principals, key);
    const current = await readCurrentPolicy(deps.kms, key);

    const checked = rewriteChecked(current, key, deps.principals, analyze);
    if (checked === undefined) {
      return { status: 'NO_CHANGE', keyId, keyArn, message: `the policy of ${keyArn} has no account-wide grant to rewrite` };
    }
    const policyAdministratorArns = keptPolicyAdministrators(checked, key, analyze);
    await checkCallerKeepsPutKeyPolicy(deps, analyze, checked, current, key, policyAdministratorArns);

    const { changes } = checked.rewrite;
    const newText = JSON.stringify(checked.rewrite.policy, null, 2);
    const diff = lineDiff(prettyJson(current.document), newText);
    const base = { keyId, keyArn, changes, diff, policyAdministrators: policyAdministratorArns };

    if (request.dryRun) {
      logger.info('dry run: key policy not changed', { keyArn, changes });
      return { ...base, status: 'DRY_RUN', newPolicy: newText, message: `dry run: ${changes.length} change(s) would be made; nothing was written` };
    }

    await checkPolicyUnchanged(deps.kms, current, key);
    const backup = await backUpPolicy(deps.ssm, current, key, now());
    logger.info('key policy backed up', { keyArn, backupParameterName: backup });
    await applyPolicy(deps.kms, newText, key, backup, logger);
    logger.info('key policy rewritten', { keyArn, backupParameterName: backup, changes });
    return { ...base, status: 'APPLIED', backupParameterName: backup, message: `applied ${changes.length} change(s); old policy in ${backup}` };
  };
}

/**
 * The Lambda entry point. The deployed principals are read and validated once, at cold start; when they are
 * missing or malformed every invocation is refused with that reason (in the Automation output), and nothing
 * is read or written.
 */
function createDeployedHandler(): (event: unknown) => Promise<RemediationResult> {
  let principals: RemediationPrincipals;
  try {
    principals = readRemediationPrincipals(process.env);
  } catch (error) {
    // Lambda logs the rejection of every invocation, and Automation shows it as the step's failure.
    return () => Promise.reject(error);
  }
  return createRemediationHandler({ ...createRemediationClients(), principals });
}

export const handler = createDeployedHandler();
