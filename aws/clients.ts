/**
 * AWS clients for one invocation. Created once per Region at module scope and reused while the Lambda
 * environment is warm; with ExecutionRoleName, created per assumed role and kept until the credentials near
 * expiry. Only the clients and commands the rule uses are imported, to keep the bundle small.
 *
 * The KMS, Config, IAM and Organizations clients make a single attempt per call (`maxAttempts: 1`): the SDK's own retries would
 * bypass the rate limit and the request count, so the callers retry with withRetry (aws/retry.ts), each
 * attempt taking a token of the invocation's rate limit.
 *
 * Every client, STS included, has connection and request timeouts (DEFAULT_AWS_TIMEOUTS): without them an
 * endpoint that accepts the connection and never answers holds a call for the SDK's 300 s socket default,
 * past any Lambda deadline. Errors that come without an HTTP answer (timeouts, refused or reset connections)
 * name the endpoint they were sent to.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleError } from './errors';
import { DEFAULT_AWS_TIMEOUTS, type AwsTimeouts } from './timeouts';
import { accountOfArn } from '../engine';

/**
 * The SDK v3 `requestHandler` options (@smithy/node-http-handler) for `timeouts`. In the installed handler,
 * `requestTimeout` alone only logs a warning when exceeded; `throwOnRequestTimeout` makes it fail the call with
 * TimeoutError. `socketTimeout` bounds the silence while the answer's body is read, after its headers came.
 */
function requestHandlerOptions(timeouts: AwsTimeouts = DEFAULT_AWS_TIMEOUTS): {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: true;
  socketTimeout: number;
} {
  return {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.requestTimeoutMs,
  };
}

export interface AwsClients {
  kms: KMSClient;
  config: ConfigServiceClient;
  /**
   * IAM, made on first use (most invocations never read IAM). IAM is a global service: the SDK sends every call
   * to the partition's one endpoint (iam.amazonaws.com in aws, iam.us-gov.amazonaws.com in aws-us-gov), signed
   * for that endpoint's Region, whatever the client's Region.
   */
  iam(): IAMClient;
  /**
   * Organizations, made on first use; a global service too: one endpoint per partition
   * (organizations.us-east-1.amazonaws.com in aws, whatever the client's Region).
   */
  organizations(): OrganizationsClient;
  /**
   * ARN of the principal the calls are made as; named in annotations when a permission is missing. With
   * `abortSignal`, the lookup is abandoned (and UNKNOWN_PRINCIPAL given) when the signal fires.
   */
  principal(options?: { abortSignal?: AbortSignal }): Promise<string>;
  /**
   * The account the KMS calls act in (KMS resolves a bare key ID in the caller's account): the execution
   * role's account, or the function's own. Undefined when it cannot be found out; callers then fail closed.
   */
  account(options?: { abortSignal?: AbortSignal }): Promise<string | undefined>;
}

export interface ClientScope {
  /** The account the event is about. */
  accountId: string;
  partition: string;
  region: string;
  /** When set, every call is made as `arn:<partition>:iam::<accountId>:role/<executionRoleName>`. */
  executionRoleName?: string;
}

/** With `abortSignal`, an AssumeRole still in flight when the signal fires is abandoned (AssumeRoleError). */
export type ClientsFactory = (scope: ClientScope, options?: { abortSignal?: AbortSignal }) => Promise<AwsClients>;

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
  /** @default DEFAULT_AWS_TIMEOUTS */
  timeouts?: AwsTimeouts;
}

/** Client configuration for `settings`: everything but `timeouts` as given, the timeouts as a request handler. */
export function sdkClientConfig(settings: ClientSettings): Omit<ClientSettings, 'timeouts'> & { requestHandler: ReturnType<typeof requestHandlerOptions> } {
  const { timeouts, ...rest } = settings;
  return { ...rest, requestHandler: requestHandlerOptions(timeouts ?? DEFAULT_AWS_TIMEOUTS) };
}

interface WithMiddleware {
  middlewareStack: { add: (middleware: never, options: { step: 'finalizeRequest'; name: string; priority: 'low' }) => void };
}

/**
 * Appends `(endpoint host:port)` to the message of an error that came without an HTTP answer (a timeout, a
 * refused or reset connection), so a person sees which endpoint did not answer; the error's name (and so its
 * classification) is unchanged.
 */
export function nameEndpointInNetworkErrors<C extends WithMiddleware>(client: C): C {
  const middleware =
    (next: (args: { request: unknown }) => Promise<unknown>) =>
    async (args: { request: unknown }): Promise<unknown> => {
      try {
        return await next(args);
      } catch (error) {
        const request = args.request as { hostname?: unknown; port?: unknown } | undefined;
        const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
        if (error instanceof Error && status === undefined && typeof request?.hostname === 'string') {
          const endpoint = typeof request.port === 'number' ? `${request.hostname}:${request.port}` : request.hostname;
          if (!error.message.includes(endpoint)) error.message = `${error.message} (endpoint ${endpoint})`;
        }
        throw error;
      }
    };
  client.middlewareStack.add(middleware as never, { step: 'finalizeRequest', name: 'nameEndpointInNetworkErrors', priority: 'low' });
  return client;
}

/** SDK attempts per KMS, Config, IAM or Organizations call: one, the callers retry through their rate limit. */
const SDK_MAX_ATTEMPTS = 1;

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
  const cache: ClientsCache = {
    settings: sdkClientConfig(options.settings ?? {}),
    now: options.now ?? Date.now,
    own: new Map(),
    assumed: new Map(),
    sts: new Map(),
  };
  return async (scope, callOptions) => {
    if (scope.executionRoleName === undefined) return ownClients(cache, scope.region);
    return assumedRoleClients(cache, { ...scope, executionRoleName: scope.executionRoleName }, callOptions?.abortSignal);
  };
}

/** The clients a factory made, kept while the Lambda environment is warm. */
interface ClientsCache {
  settings: ReturnType<typeof sdkClientConfig>;
  now: () => number;
  /** The function's own clients, per Region. */
  own: Map<string, AwsClients>;
  /** Per role ARN and Region. */
  assumed: Map<string, { clients: AwsClients; expiresAt: number }>;
  sts: Map<string, STSClient>;
}

/**
 * STSClient with a Region calls the regional endpoint (sts.<region>.amazonaws.com), which works for opt-in
 * Regions and keeps the call in the Region (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
 */
function stsFor(cache: ClientsCache, region: string): STSClient {
  let client = cache.sts.get(region);
  if (client === undefined) {
    client = nameEndpointInNetworkErrors(new STSClient({ region, ...cache.settings }));
    cache.sts.set(region, client);
  }
  return client;
}

function ownClients(cache: ClientsCache, region: string): AwsClients {
  let clients = cache.own.get(region);
  if (clients === undefined) {
    const lookup = callerIdentityLookup(cache, region);
    const settings = { region, ...cache.settings, maxAttempts: SDK_MAX_ATTEMPTS };
    clients = {
      kms: nameEndpointInNetworkErrors(new KMSClient(settings)),
      config: nameEndpointInNetworkErrors(new ConfigServiceClient(settings)),
      ...globalClients(settings),
      principal: (options) => lookup(options?.abortSignal).then(
        (i) => i.arn,
        () => UNKNOWN_PRINCIPAL,
      ),
      account: (options) => lookup(options?.abortSignal).then(
        (i) => i.account,
        () => undefined,
      ),
    };
    cache.own.set(region, clients);
  }
  return clients;
}

type ClientConfig = ReturnType<typeof sdkClientConfig> & { region: string; maxAttempts: number; credentials?: StaticCredentials };

/** The IAM and Organizations clients of one set of settings, each made when first asked for and then kept. */
function globalClients(settings: ClientConfig): Pick<AwsClients, 'iam' | 'organizations'> {
  let iam: IAMClient | undefined;
  let organizations: OrganizationsClient | undefined;
  return {
    iam: () => (iam ??= nameEndpointInNetworkErrors(new IAMClient(settings))),
    organizations: () => (organizations ??= nameEndpointInNetworkErrors(new OrganizationsClient(settings))),
  };
}

interface CallerIdentity {
  arn: string;
  account: string;
}

/**
 * The function's own identity, asked of STS when first needed. The clients it serves live as long as the
 * warm container. Only a successful lookup is kept: one aborted by an invocation's deadline, or failed, is
 * asked again by the next caller instead of naming UNKNOWN_PRINCIPAL for the container's lifetime.
 */
function callerIdentityLookup(cache: ClientsCache, region: string): (abortSignal: AbortSignal | undefined) => Promise<CallerIdentity> {
  let identity: Promise<CallerIdentity> | undefined;
  return (abortSignal) => {
    if (identity === undefined) {
      const pending = stsFor(cache, region)
        .send(new GetCallerIdentityCommand({}), abortSignal === undefined ? {} : { abortSignal })
        .then((r) => {
          const account = r.Account ?? (r.Arn === undefined ? undefined : accountOfArn(r.Arn));
          if (r.Arn === undefined || account === undefined) throw new Error('GetCallerIdentity returned no ARN or account');
          return { arn: roleArnFromCaller(r.Arn), account };
        });
      identity = pending;
      pending.catch(() => {
        if (identity === pending) identity = undefined;
      });
    }
    return identity;
  };
}

/** The clients acting as the execution role, reused until its credentials near expiry. */
async function assumedRoleClients(cache: ClientsCache, scope: ClientScope & { executionRoleName: string }, abortSignal: AbortSignal | undefined): Promise<AwsClients> {
  const roleArn = executionRoleArn(scope);
  const cacheKey = `${roleArn}|${scope.region}`;
  const cached = cache.assumed.get(cacheKey);
  if (cached !== undefined && cached.expiresAt - CREDENTIAL_MARGIN_MS > cache.now()) return cached.clients;
  const { credentials, expiresAt } = await assumeRole(cache, scope.region, roleArn, abortSignal);
  const clientSettings = { region: scope.region, ...cache.settings, credentials, maxAttempts: SDK_MAX_ATTEMPTS };
  const clients: AwsClients = {
    kms: nameEndpointInNetworkErrors(new KMSClient(clientSettings)),
    config: nameEndpointInNetworkErrors(new ConfigServiceClient(clientSettings)),
    ...globalClients(clientSettings),
    principal: () => Promise.resolve(roleArn),
    // The execution role is in the event's account (executionRoleArn), so the calls act there.
    account: () => Promise.resolve(scope.accountId),
  };
  cache.assumed.set(cacheKey, { clients, expiresAt });
  return clients;
}

async function assumeRole(cache: ClientsCache, region: string, roleArn: string, abortSignal: AbortSignal | undefined): Promise<{ credentials: StaticCredentials; expiresAt: number }> {
  try {
    const response = await stsFor(cache, region).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'kms-policy-guard' }),
      abortSignal === undefined ? {} : { abortSignal },
    );
    const c = response.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) throw new Error('AssumeRole returned no credentials');
    return {
      expiresAt: c.Expiration?.getTime() ?? cache.now() + 60 * 60 * 1000,
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      },
    };
  } catch (cause) {
    throw new AssumeRoleError(roleArn, { cause });
  }
}
