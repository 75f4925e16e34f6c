/**
 * The AWS calls `scan` makes outside KMS key reading: who am I, which Regions, which accounts of the
 * organisation, and a KMS client per account and Region. Credentials come from the AWS SDK's default chain
 * (environment, shared config and credentials files, SSO, container and instance roles), or from the named
 * profile; `AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by the SDK
 * itself (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 *
 * Organisation scans assume `arn:<partition>:iam::<account>:role/<roleName>` in each account through the
 * Config rule's client factory (aws/clients.ts), which caches the credentials per account and Region.
 * Every client has the timeouts of `settings.timeouts` (`--timeout`), DEFAULT_AWS_TIMEOUTS without it, and
 * errors without an HTTP answer name the endpoint that did not answer.
 */
import { AccountClient, ListRegionsCommand, RegionOptStatus } from '@aws-sdk/client-account';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClientsFactory, nameEndpointInNetworkErrors, sdkClientConfig, type ClientSettings, type ClientsFactory } from '../../aws/clients';
import { partitionOfArn } from '../../engine';

export interface CallerIdentity {
  account: string;
  arn: string;
  partition: string;
}

/** One account and Region to read keys in. */
export interface ScanTarget {
  account: string;
  region: string;
  /** Set in organisation scans: the role assumed in `account`. */
  roleName?: string;
}

/** A member account of an organisation scan, entered through `roleName`. */
export interface AssumedAccount {
  account: string;
  roleName: string;
  partition: string;
}

/** The accounts of the organisation: the active ones, and those passed over with their state. */
export interface OrganizationAccounts {
  /** ACTIVE accounts, sorted. */
  active: string[];
  /** Accounts in any other state (SUSPENDED, PENDING_CLOSURE…), sorted by id: AssumeRole cannot enter them. */
  skipped: { account: string; state: string }[];
}

/** Everything `scan` asks of AWS besides the key reads themselves; injectable for tests. */
export interface ScanAws {
  /** The Region of the credential chain or profile (AWS_REGION, the profile's `region`), if any. */
  defaultRegion(): Promise<string | undefined>;
  callerIdentity(region: string): Promise<CallerIdentity>;
  /**
   * Regions enabled for an account (Account ListRegions, every page; the client is made in `region`): the
   * caller's own, or with `assumed`, the member account's, asked with the credentials of the role assumed there.
   */
  enabledRegions(region: string, assumed?: AssumedAccount): Promise<string[]>;
  /** Accounts of the caller's organisation (Organizations ListAccounts, every page). */
  organizationAccounts(region: string): Promise<OrganizationAccounts>;
  /** A KMS client for the target: the caller's own credentials, or the target's assumed role. */
  kms(target: ScanTarget, partition: string): Promise<KMSClient>;
  /**
   * An IAM client acting in the target's account: the caller's own credentials, or the role assumed there (the
   * same credentials as the target's KMS client). IAM is global; the target's Region only picks the STS endpoint.
   */
  iam(target: ScanTarget, partition: string): Promise<IAMClient>;
  /**
   * An Organizations client with the caller's own credentials, never an assumed role's: service control and
   * resource control policies are readable only from the management account or a delegated administrator.
   */
  organizations(region: string): OrganizationsClient;
  /**
   * A Security Hub client acting in the target's account and Region (`scan --security-hub`): the caller's own
   * credentials, or the role assumed there, as for the target's KMS client, with the same timeouts. Made when
   * first asked for, then kept; the SDK is loaded only then. A role that cannot be assumed throws AssumeRoleError.
   */
  securityHub(target: ScanTarget, partition: string): Promise<SecurityHubClient>;
}

export interface ScanAwsOptions {
  /** Named profile of the shared config files. */
  profile?: string;
  /** Passed to every client (timeouts included); tests use it to point at moto. */
  settings?: ClientSettings;
}

const ENABLED: readonly RegionOptStatus[] = [RegionOptStatus.ENABLED, RegionOptStatus.ENABLED_BY_DEFAULT];

/**
 * The Regions enabled for the caller's account, sorted: those enabled by default and the opt-in Regions opted
 * in, as EC2 DescribeRegions without AllRegions listed them. Account is a global service: the SDK sends the
 * call to the partition's one endpoint (account.us-east-1.amazonaws.com in aws) whatever the client's Region,
 * and signs it for that endpoint's Region. A Region still ENABLING is left out, like one DISABLING: its keys
 * cannot be read reliably yet (or any more). The filter is applied again to the answer, so a Region listed
 * with another status is never scanned.
 * https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html
 */
async function listEnabledRegions(account: AccountClient): Promise<string[]> {
  const regions = new Set<string>();
  let token: string | undefined;
  do {
    const page = await account.send(new ListRegionsCommand({ RegionOptStatusContains: [...ENABLED], ...(token === undefined ? {} : { NextToken: token }) }));
    for (const r of page.Regions ?? []) {
      if (r.RegionName !== undefined && (r.RegionOptStatus === undefined || ENABLED.includes(r.RegionOptStatus))) regions.add(r.RegionName);
    }
    token = page.NextToken;
  } while (token !== undefined);
  return [...regions].sort();
}

export function createScanAws(options: ScanAwsOptions = {}): ScanAws {
  const base = { ...(options.profile !== undefined ? { profile: options.profile } : {}), ...sdkClientConfig(options.settings ?? {}) };
  let settings: Promise<ClientSettings> | undefined;
  // A profile is resolved once to credentials that every client shares (and that AssumeRole starts from);
  // without one, each client resolves the default chain itself.
  const resolvedSettings = (region: string): Promise<ClientSettings> => {
    settings ??= (async () => {
      if (options.profile === undefined || options.settings?.credentials !== undefined) return { ...options.settings };
      const credentials = await new STSClient({ ...base, region }).config.credentials();
      return { ...options.settings, credentials };
    })();
    return settings;
  };
  let factory: Promise<ClientsFactory> | undefined;
  const factoryFor = (region: string) => {
    factory ??= resolvedSettings(region).then((s) => createClientsFactory({ settings: s }));
    return factory;
  };

  const clientsOf = async (target: ScanTarget, partition: string) =>
    (await factoryFor(target.region))({
      accountId: target.account,
      partition,
      region: target.region,
      ...(target.roleName !== undefined ? { executionRoleName: target.roleName } : {}),
    });

  let organizations: OrganizationsClient | undefined;
  const securityHubClients = new Map<string, Promise<SecurityHubClient>>();
  const makeSecurityHub = async (target: ScanTarget, partition: string): Promise<SecurityHubClient> => {
    const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
    // One SDK attempt per call: the importer retries under its own rate limit (aws/limited-call.ts).
    if (target.roleName === undefined) return nameEndpointInNetworkErrors(new SecurityHubClient({ ...base, region: target.region, maxAttempts: 1 }));
    // Assumed now, so that a role that cannot be assumed is reported for this account before anything is sent;
    // later calls ask the factory again, which renews the credentials before they expire.
    await clientsOf(target, partition);
    const credentials = async () => (await clientsOf(target, partition)).kms.config.credentials();
    return nameEndpointInNetworkErrors(new SecurityHubClient({ ...sdkClientConfig(options.settings ?? {}), region: target.region, credentials, maxAttempts: 1 }));
  };

  return {
    async defaultRegion() {
      try {
        const region = await new STSClient(base).config.region();
        return region === '' ? undefined : region;
      } catch {
        return undefined;
      }
    },
    async callerIdentity(region) {
      const sts = nameEndpointInNetworkErrors(new STSClient({ ...base, region }));
      const r = await sts.send(new GetCallerIdentityCommand({}));
      if (r.Account === undefined || r.Arn === undefined) throw new Error('sts:GetCallerIdentity returned no account');
      return { account: r.Account, arn: r.Arn, partition: partitionOfArn(r.Arn) || 'aws' };
    },
    async enabledRegions(region, assumed) {
      let account: AccountClient;
      if (assumed === undefined) {
        account = nameEndpointInNetworkErrors(new AccountClient({ ...base, region }));
      } else {
        // The factory assumes the role (and caches the credentials for the KMS reads in this Region); its KMS
        // client carries the assumed credentials, which the Account client uses too. A failed AssumeRole
        // throws AssumeRoleError with the STS error as its cause.
        const clients = await (await factoryFor(region))({ accountId: assumed.account, partition: assumed.partition, region, executionRoleName: assumed.roleName });
        const credentials = await clients.kms.config.credentials();
        account = nameEndpointInNetworkErrors(new AccountClient({ ...sdkClientConfig(options.settings ?? {}), region, credentials }));
      }
      return listEnabledRegions(account);
    },
    async organizationAccounts(region) {
      const org = nameEndpointInNetworkErrors(new OrganizationsClient({ ...base, region }));
      const active = new Set<string>();
      const skipped = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await org.send(new ListAccountsCommand({ NextToken: token }));
        for (const a of page.Accounts ?? []) {
          if (a.Id === undefined) continue;
          // Suspended and closing accounts cannot be entered with AssumeRole.
          const state = a.State ?? a.Status ?? 'UNKNOWN';
          if (state === 'ACTIVE') active.add(a.Id);
          else skipped.set(a.Id, state);
        }
        token = page.NextToken;
      } while (token !== undefined);
      return {
        active: [...active].sort(),
        skipped: [...skipped].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([account, state]) => ({ account, state })),
      };
    },
    kms: async (target, partition) => (await clientsOf(target, partition)).kms,
    // The same credentials as the target's KMS client: the caller's own, or the role assumed in the account.
    iam: async (target, partition) => (await clientsOf(target, partition)).iam(),
    organizations: (region) => {
      // One SDK attempt per call: the reader retries under its own rate limit (aws/limited-call.ts).
      organizations ??= nameEndpointInNetworkErrors(new OrganizationsClient({ ...base, region, maxAttempts: 1 }));
      return organizations;
    },
    securityHub: (target, partition) => {
      const key = `${target.account}|${target.region}|${target.roleName ?? ''}`;
      let client = securityHubClients.get(key);
      if (client === undefined) {
        client = makeSecurityHub(target, partition);
        // A failure (AssumeRole) is not kept: the next caller asks again.
        client.catch(() => securityHubClients.delete(key));
        securityHubClients.set(key, client);
      }
      return client;
    },
  };
}
