/**
 * The remediation's AWS SDK clients, created once per execution environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html).
 *
 * Every client has the project's connection and request timeouts (rule/aws/clients.ts): without them the SDK
 * waits on a stalled connection until the function's own timeout, and the Automation step then fails with
 * "Task timed out" instead of naming the call that hung. The function (60 s) makes at most six calls
 * (DescribeKey, GetKeyPolicy twice, GetCallerIdentity, PutParameter, PutKeyPolicy), each answering in well
 * under a second, so the 10 s request timeout only cuts off a call that hangs.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_AWS_TIMEOUTS, nameEndpointInNetworkErrors, requestHandlerOptions } from '../rule/aws/clients';

/** The request-handler options every remediation client gets. */
export const REMEDIATION_HTTP_OPTIONS = requestHandlerOptions(DEFAULT_AWS_TIMEOUTS);

export interface RemediationClients {
  kms: KMSClient;
  ssm: SSMClient;
  sts: STSClient;
}

export function createRemediationClients(): RemediationClients {
  const requestHandler = { ...REMEDIATION_HTTP_OPTIONS };
  return {
    kms: nameEndpointInNetworkErrors(new KMSClient({ requestHandler })),
    ssm: nameEndpointInNetworkErrors(new SSMClient({ requestHandler })),
    sts: nameEndpointInNetworkErrors(new STSClient({ requestHandler })),
  };
}
