/** Builds a handler wired to aws-sdk-client-mock clients, a virtual clock and capturing logger/metrics. */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { ClientScope } from '../../aws/clients';
import type { Analyzer } from '../../rule/evaluate-key';
import { createHandler, type HandlerDeps } from '../../rule/handler';
import { ACCOUNT, CapturingLogger, CapturingMetrics, REGION, stubAnalyzer, VirtualClock } from './support';

export const RULE_PRINCIPAL = 'arn:aws:iam::111122223333:role/kms-policy-guard-rule';

/**
 * `clientsAccount`: the account the KMS calls act in without ExecutionRoleName (the function's own; default the
 * events' account, a single-account deployment). With ExecutionRoleName the calls act in the event's account.
 */
/**
 * IAM and Organizations clients for tests: aws-sdk-client-mock's mockClient(IAMClient) and mockClient(OrganizationsClient)
 * answer them. A test that does not mock them gets a refused connection on the loopback (port 9, discard), never
 * a request to AWS or to the instance metadata service for credentials.
 */
export function mockableGlobalClients(): { iam: () => IAMClient; organizations: () => OrganizationsClient } {
  const offline = { region: REGION, endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 };
  const iam = new IAMClient(offline);
  const organizations = new OrganizationsClient(offline);
  return { iam: () => iam, organizations: () => organizations };
}

export function harness(options: { analyze?: Analyzer; deps?: Partial<HandlerDeps>; clientsAccount?: string | undefined } = {}) {
  const ownAccount = 'clientsAccount' in options ? options.clientsAccount : ACCOUNT;
  const clock = new VirtualClock();
  const logger = new CapturingLogger();
  const metrics = new CapturingMetrics();
  const scopes: ClientScope[] = [];
  const kms = new KMSClient({ region: REGION });
  const config = new ConfigServiceClient({ region: REGION });
  const globalClients = mockableGlobalClients();
  const handler = createHandler({
    clients: async (scope) => {
      scopes.push(scope);
      return {
        kms,
        config,
        ...globalClients,
        principal: async () => RULE_PRINCIPAL,
        account: async () => (scope.executionRoleName === undefined ? ownAccount : scope.accountId),
      };
    },
    clock,
    logger: logger.asLogger(),
    metrics: metrics.asMetrics(),
    analyze: options.analyze ?? stubAnalyzer,
    ...options.deps,
  });
  return { handler, clock, logger, metrics, scopes };
}
