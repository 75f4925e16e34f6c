/**
 * The remediation's AWS SDK clients, created once per execution environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html).
 *
 * Without timeouts the SDK waits on a stalled connection until the function's own timeout, and the
 * Automation step then fails with "Task timed out" instead of the call that hung. These limits are local
 * to the remediation for now; shared defaults for every client of the project live in rule/aws/clients.ts
 * and are to replace them.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * Per attempt. The function (60 s) makes at most six calls (DescribeKey, GetKeyPolicy twice,
 * GetCallerIdentity, PutParameter, PutKeyPolicy), each retried by the SDK; a KMS or SSM call answers in
 * well under a second, so 10 s only cuts off a call that hangs. SDK v3 accepts the handler's options as a
 * plain object (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html).
 */
export const REMEDIATION_HTTP_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

export interface RemediationClients {
  kms: KMSClient;
  ssm: SSMClient;
  sts: STSClient;
}

export function createRemediationClients(): RemediationClients {
  const requestHandler = { ...REMEDIATION_HTTP_TIMEOUTS };
  return { kms: new KMSClient({ requestHandler }), ssm: new SSMClient({ requestHandler }), sts: new STSClient({ requestHandler }) };
}
