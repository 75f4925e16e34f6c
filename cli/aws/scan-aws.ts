/**
 * The AWS calls `scan` makes outside KMS key reading: who am I, which Regions, which accounts of the
 * organisation, and a KMS client per account and Region. Credentials come from the AWS SDK's default chain
 * (environment, shared config and credentials files, SSO, container and instance roles), or from the named
 * profile; `AWS_ENDPOINT_URL` (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by the SDK
 * itself (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 *
 * Organisation scans assume `arn:<partition>:iam::<account>:role/<roleName>` in each account through the
 * Config rule's client factory (rule/aws/clients.ts), which caches the credentials per account and Region.
 */
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClientsFactory, type ClientSettings, type ClientsFactory } from '../../rule/aws/clients';

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

/** Everything `scan` asks of AWS besides the key reads themselves; injectable for tests. */
export interface ScanAws {
  /** The Region of the credential chain or profile (AWS_REGION, the profile's `region`), if any. */
  defaultRegion(): Promise<string | undefined>;
  callerIdentity(region: string): Promise<CallerIdentity>;
  /** Regions enabled for the caller's account (EC2 DescribeRegions). */
  enabledRegions(region: string): Promise<string[]>;
  /** Active accounts of the caller's organisation (Organizations ListAccounts, every page). */
  organizationAccounts(region: string): Promise<string[]>;
  /** A KMS client for the target: the caller's own credentials, or the target's assumed role. */
  kms(target: ScanTarget, partition: string): Promise<KMSClient>;
}

export interface ScanAwsOptions {
  /** Named profile of the shared config files. */
  profile?: string;
  /** Passed to every client; tests use it to point at moto. */
  settings?: ClientSettings;
}

function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

export function createScanAws(options: ScanAwsOptions = {}): ScanAws {
  const base = { ...(options.profile !== undefined ? { profile: options.profile } : {}), ...options.settings };
  let settings: Promise<ClientSettings> | undefined;
  // A profile is resolved once to credentials that every client shares (and that AssumeRole starts from);
  // without one, each client resolves the default chain itself.
  const resolvedSettings = (region: string): Promise<ClientSettings> => {
    settings ??= (async () => {
      if (options.profile === undefined || options.settings?.credentials !== undefined) return { ...options.settings };
      const credentials = await new STSClient({ region, profile: options.profile }).config.credentials();
      return { ...options.settings, credentials };
    })();
    return settings;
  };
  let factory: Promise<ClientsFactory> | undefined;
  const factoryFor = (region: string) => {
    factory ??= resolvedSettings(region).then((s) => createClientsFactory({ settings: s }));
    return factory;
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
      const sts = new STSClient({ ...base, region });
      const r = await sts.send(new GetCallerIdentityCommand({}));
      if (r.Account === undefined || r.Arn === undefined) throw new Error('sts:GetCallerIdentity returned no account');
      return { account: r.Account, arn: r.Arn, partition: partitionOf(r.Arn) };
    },
    async enabledRegions(region) {
      const ec2 = new EC2Client({ ...base, region });
      // Without AllRegions only the Regions enabled for the account are listed (opt-in Regions included
      // once opted in): https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
      const r = await ec2.send(new DescribeRegionsCommand({}));
      return (r.Regions ?? []).flatMap((x) => (x.RegionName === undefined ? [] : [x.RegionName])).sort();
    },
    async organizationAccounts(region) {
      const org = new OrganizationsClient({ ...base, region });
      const accounts: string[] = [];
      let token: string | undefined;
      do {
        const page = await org.send(new ListAccountsCommand({ NextToken: token }));
        for (const a of page.Accounts ?? []) {
          // Suspended and closing accounts cannot be entered with AssumeRole.
          if (a.Id !== undefined && (a.State ?? a.Status) === 'ACTIVE') accounts.push(a.Id);
        }
        token = page.NextToken;
      } while (token !== undefined);
      return accounts.sort();
    },
    async kms(target, partition) {
      const clients = await (await factoryFor(target.region))({
        accountId: target.account,
        partition,
        region: target.region,
        ...(target.roleName !== undefined ? { executionRoleName: target.roleName } : {}),
      });
      return clients.kms;
    },
  };
}
