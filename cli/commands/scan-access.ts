/**
 * `scan`'s effective access: who in a key's account can actually use or administer it, the key policy, the
 * key's grants and the account's IAM judged together by the engine (compileAccount, effectiveAccess).
 *
 * IAM is read once per account, with GetAccountAuthorizationDetails (every page), through the same credentials
 * as the account's KMS reads (in an organisation scan, the role assumed there), and compiled once; every key of
 * the account, in every Region, is judged against that one compiled account. The service control and resource
 * control policies of the account's organisation path are read once per account with the caller's own
 * credentials: Organizations answers them only in the management account or a delegated administrator, never
 * in a member account's assumed role.
 *
 * What cannot be read is never taken as "nobody": IAM that cannot be read gives every key of the account an
 * answer that is incomplete, names no principal and says what failed, which permission is missing and for whom;
 * Organizations policies that cannot be read leave every answer incomplete (the engine says why). Each such
 * failure is said once more, in a note of the run.
 */
import { compileAccount, effectiveAccess, NOT_COVERED, type AnalysisResult, type CompiledAccount, type EffectiveAccess, type KeyGrant, type OrganizationPolicies } from '../../engine';
import { executionRoleArn, roleArnFromCaller } from '../../aws/clients';
import { AssumeRoleError } from '../../aws/errors';
import { readAccountAuthorizationDetails } from '../../aws/iam-reader';
import { createOrganizationCache, readOrganizationPolicies, type OrganizationCache } from '../../aws/organizations-reader';
import type { Clock } from '../../runtime/clock';
import { TokenBucket } from '../../runtime/token-bucket';
import type { CallerIdentity, ScanAws, ScanTarget } from '../aws/scan-aws';
import { describeError } from './scan-errors';

/**
 * IAM requests per second, per account. IAM's quotas are per account and shared with every other caller;
 * GetAccountAuthorizationDetails returns up to 1,000 entities a page, so an account of 5,000 principals and
 * their policies takes a few pages.
 */
const IAM_REQUESTS_PER_SECOND = 5;
/** Organizations requests per second, for the whole run (its quotas are the organisation's, not an account's). */
const ORGANIZATIONS_REQUESTS_PER_SECOND = 5;

/** An account's IAM, compiled, or why it could not be read. */
type AccountIam = { ok: true; account: CompiledAccount } | { ok: false; reason: string };

export interface EffectiveAccessDeps {
  aws: ScanAws;
  clock: Clock;
  identity: CallerIdentity;
  /** The Region of the run's setup calls: the Organizations client is made there. */
  homeRegion: string;
}

/** A key to judge, as scan has it once its policy was read and analysed. */
export interface ScannedKey {
  arn: string;
  target: ScanTarget;
  analysis: AnalysisResult;
  grants?: readonly KeyGrant[];
  grantsUnknownReason?: string;
}

/**
 * Reads and compiles each account's IAM and organisation policies the first time one of its keys asks, and
 * answers every key of the run from them; `notes` lists, once each, what could not be read.
 */
export class EffectiveAccessSource {
  private readonly iamOf = new Map<string, Promise<AccountIam>>();
  private readonly orgOf = new Map<string, Promise<OrganizationPolicies>>();
  private readonly orgLimiter: TokenBucket;
  /** The organisation's levels and policies, read once for all the accounts of the run. */
  private readonly orgCache: OrganizationCache = createOrganizationCache();
  /** Accounts whose IAM could not be read, and why, for the run's notes. */
  private readonly iamFailures = new Set<string>();
  /** Why the organisation's policies could not be read, and for which accounts. */
  private readonly orgFailures = new Map<string, string[]>();
  /** Keys whose answer is incomplete, counted for the run's summary. */
  incomplete = 0;

  constructor(private readonly deps: EffectiveAccessDeps) {
    this.orgLimiter = new TokenBucket(ORGANIZATIONS_REQUESTS_PER_SECOND, deps.clock);
  }

  /** The key's effective access; never throws, an answer that could not be made is incomplete and says why. */
  async forKey(key: ScannedKey): Promise<EffectiveAccess> {
    const [iam, org] = await Promise.all([this.accountIam(key.target), this.organizationPolicies(key.target.account)]);
    const answer = iam.ok ? this.judge(iam.account, key, org) : unreadableIam(iam.reason);
    if (!answer.complete) this.incomplete += 1;
    return answer;
  }

  /** What could not be read, for the run's notes: one per account whose IAM failed, one per reason the organisation's policies failed. */
  notes(): string[] {
    const org = [...this.orgFailures].map(([reason, accounts]) => {
      const sorted = [...accounts].sort();
      return `effective access: the service control and resource control policies of ${sorted.length === 1 ? 'account' : `${sorted.length} accounts`} ${sorted.join(', ')} could not be read (${reason}); the answers for their keys are incomplete`;
    });
    return [...this.iamFailures, ...org].sort();
  }

  private judge(account: CompiledAccount, key: ScannedKey, org: OrganizationPolicies): EffectiveAccess {
    try {
      return effectiveAccess(
        account,
        {
          arn: key.arn,
          analysis: key.analysis,
          ...(key.grants !== undefined ? { grants: key.grants } : {}),
          ...(key.grantsUnknownReason !== undefined ? { grantsUnknownReason: key.grantsUnknownReason } : {}),
        },
        org,
      );
    } catch (e) {
      // An evaluation that failed is no answer, least of all "nobody".
      return { complete: false, incompleteReasons: [`the effective access could not be computed (${describeError(e)})`], notCovered: [...NOT_COVERED], principals: [] };
    }
  }

  private accountIam(target: ScanTarget): Promise<AccountIam> {
    let iam = this.iamOf.get(target.account);
    if (iam === undefined) {
      iam = this.readAccountIam(target);
      this.iamOf.set(target.account, iam);
    }
    return iam;
  }

  private async readAccountIam(target: ScanTarget): Promise<AccountIam> {
    const { aws, clock, identity } = this.deps;
    const principal = target.roleName === undefined ? roleArnFromCaller(identity.arn) : executionRoleArn({ accountId: target.account, partition: identity.partition, region: target.region, executionRoleName: target.roleName });
    const fail = (reason: string): AccountIam => {
      this.iamFailures.add(`effective access: ${reason}; every key of account ${target.account} has an incomplete answer naming no principal`);
      return { ok: false, reason };
    };
    let client;
    try {
      client = await aws.iam(target, identity.partition);
    } catch (e) {
      const what = e instanceof AssumeRoleError ? `sts:AssumeRole of role ${target.roleName ?? ''}` : 'creating the IAM client';
      return fail(`the IAM of account ${target.account} could not be read: ${what} failed (${describeError(e)})`);
    }
    const read = await readAccountAuthorizationDetails(client, { limiter: new TokenBucket(IAM_REQUESTS_PER_SECOND, clock), clock });
    if (!read.ok) {
      const advice = read.kind === 'access-denied' ? `; grant ${read.operation} to ${principal}` : '';
      return fail(`the IAM of account ${target.account} could not be read: ${read.operation} as ${principal} failed (${describeError(read.error)})${advice}`);
    }
    try {
      return { ok: true, account: compileAccount(read.value, { accountId: target.account, partition: identity.partition }) };
    } catch (e) {
      return fail(`the IAM of account ${target.account} could not be compiled (${describeError(e)})`);
    }
  }

  private organizationPolicies(account: string): Promise<OrganizationPolicies> {
    let org = this.orgOf.get(account);
    if (org === undefined) {
      org = this.readOrganizationPolicies(account);
      this.orgOf.set(account, org);
    }
    return org;
  }

  private async readOrganizationPolicies(account: string): Promise<OrganizationPolicies> {
    const { aws, clock, homeRegion, identity } = this.deps;
    const caller = roleArnFromCaller(identity.arn);
    let policies: OrganizationPolicies;
    try {
      policies = await readOrganizationPolicies(aws.organizations(homeRegion), account, { limiter: this.orgLimiter, clock, principal: caller, cache: this.orgCache });
    } catch (e) {
      // The reader does not throw; a client that cannot be made still must not read as "no SCP".
      policies = { readable: false, reason: `reading them failed (${describeError(e)})`, inOrganization: true, isManagementAccount: false, scps: [], rcps: [] };
    }
    if (!policies.readable) {
      const reason = policies.reason ?? `no reason given, as ${caller}`;
      this.orgFailures.set(reason, [...(this.orgFailures.get(reason) ?? []), account]);
    }
    return policies;
  }
}

/** The answer for a key of an account whose IAM could not be read: incomplete, no principal, and why. */
function unreadableIam(reason: string): EffectiveAccess {
  return { complete: false, incompleteReasons: [reason], notCovered: [...NOT_COVERED], principals: [] };
}
