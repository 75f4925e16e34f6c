/**
 * AWS clients for one invocation. Created once per Region at module scope and reused while the Lambda
 * environment is warm; with ExecutionRoleName, created per assumed role and kept until the credentials near
 * expiry. Only the clients and commands the rule uses are imported, to keep the bundle small.
 *
 * The KMS and Config clients make a single attempt per call (`maxAttempts: 1`): the SDK's own retries would
 * bypass the rate limit and the request count, so the callers retry with withRetry (rule/aws/retry.ts), each
 * attempt taking a token of the invocation's rate limit.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleError } from '../config/errors';

export interface AwsClients {
  kms: KMSClient;
  config: ConfigServiceClient;
  /** ARN of the principal the calls are made as; named in annotations when a permission is missing. */
  principal(): Promise<string>;
}

export interface ClientScope {
  /** The account the event is about. */
  accountId: string;
  partition: string;
  region: string;
  /** When set, every call is made as `arn:<partition>:iam::<accountId>:role/<executionRoleName>`. */
  executionRoleName?: string;
}

export type ClientsFactory = (scope: ClientScope) => Promise<AwsClients>;

/** Static credentials, as the SDK accepts them. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Settings passed to every client (tests point them at moto). */
export interface ClientSettings {
  endpoint?: string;
  credentials?: StaticCredentials;
  /** SDK attempts per call of the STS client. KMS and Config clients always make one (see above). */
  maxAttempts?: number;
}

/** SDK attempts per KMS or Config call: one, the callers retry through their rate limit. */
export const SDK_MAX_ATTEMPTS = 1;

export interface ClientsFactoryOptions {
  settings?: ClientSettings;
  /** Milliseconds since the epoch; injectable for tests of credential reuse. */
  now?: () => number;
}

/** Name used in annotations when the caller's identity cannot be found out. */
export const UNKNOWN_PRINCIPAL = "the rule's Lambda execution role";

/** Turns `arn:aws:sts::123:assumed-role/Name/session` into the role ARN a person grants permissions to. */
export function roleArnFromCaller(arn: string): string {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match === null ? arn : `arn:${match[1]}:iam::${match[2]}:role/${match[3]}`;
}

export function executionRoleArn(scope: ClientScope & { executionRoleName: string }): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:role/${scope.executionRoleName}`;
}

// Refresh assumed-role credentials this long before they expire, so no call of a 15-minute invocation
// runs on expired credentials.
const CREDENTIAL_MARGIN_MS = 16 * 60 * 1000;

export function createClientsFactory(options: ClientsFactoryOptions = {}): ClientsFactory {
  const settings = options.settings ?? {};
  const now = options.now ?? Date.now;
  const own = new Map<string, AwsClients>();
  const assumed = new Map<string, { clients: AwsClients; expiresAt: number }>();
  const sts = new Map<string, STSClient>();

  // STSClient with a Region calls the regional endpoint (sts.<region>.amazonaws.com), which works for
  // opt-in Regions and keeps the call in the Region (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
  const stsFor = (region: string): STSClient => {
    let client = sts.get(region);
    if (client === undefined) {
      client = new STSClient({ region, ...settings });
      sts.set(region, client);
    }
    return client;
  };

  const ownClients = (region: string): AwsClients => {
    let clients = own.get(region);
    if (clients === undefined) {
      let identity: Promise<string> | undefined;
      clients = {
        kms: new KMSClient({ region, ...settings, maxAttempts: SDK_MAX_ATTEMPTS }),
        config: new ConfigServiceClient({ region, ...settings, maxAttempts: SDK_MAX_ATTEMPTS }),
        principal: () => {
          identity ??= stsFor(region)
            .send(new GetCallerIdentityCommand({}))
            .then((r) => (r.Arn === undefined ? UNKNOWN_PRINCIPAL : roleArnFromCaller(r.Arn)))
            .catch(() => UNKNOWN_PRINCIPAL);
          return identity;
        },
      };
      own.set(region, clients);
    }
    return clients;
  };

  return async (scope) => {
    if (scope.executionRoleName === undefined) return ownClients(scope.region);
    const roleArn = executionRoleArn({ ...scope, executionRoleName: scope.executionRoleName });
    const cacheKey = `${roleArn}|${scope.region}`;
    const cached = assumed.get(cacheKey);
    if (cached !== undefined && cached.expiresAt - CREDENTIAL_MARGIN_MS > now()) return cached.clients;
    let credentials: StaticCredentials;
    let expiresAt: number;
    try {
      const response = await stsFor(scope.region).send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'kms-policy-guard' }),
      );
      const c = response.Credentials;
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) throw new Error('AssumeRole returned no credentials');
      expiresAt = c.Expiration?.getTime() ?? now() + 60 * 60 * 1000;
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } catch (cause) {
      throw new AssumeRoleError(roleArn, { cause });
    }
    const clientSettings = { region: scope.region, ...settings, credentials, maxAttempts: SDK_MAX_ATTEMPTS };
    const clients: AwsClients = {
      kms: new KMSClient(clientSettings),
      config: new ConfigServiceClient(clientSettings),
      principal: () => Promise.resolve(roleArn),
    };
    assumed.set(cacheKey, { clients, expiresAt });
    return clients;
  };
}
