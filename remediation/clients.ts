/**
 * The remediation's AWS SDK clients, created once per execution environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html).
 *
 * Every client has the project's connection and request timeouts (aws/clients.ts): without them the SDK
 * waits on a stalled connection until the function's own timeout, and the Automation step then fails with
 * "Task timed out" instead of naming the call that hung. The function (60 s) makes at most six calls
 * (DescribeKey, GetKeyPolicy twice, GetCallerIdentity, PutParameter, PutKeyPolicy), each answering in well
 * under a second, so the 10 s request timeout only cuts off a call that hangs.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { nameEndpointInNetworkErrors, sdkClientConfig } from '../aws/clients';

/** The configuration every remediation client gets: the project's default timeouts. */
const CLIENT_CONFIG = sdkClientConfig({});
/** The request-handler options every remediation client gets. */
export const REMEDIATION_HTTP_OPTIONS = CLIENT_CONFIG.requestHandler;

export interface RemediationClients {
  kms: KMSClient;
  ssm: SSMClient;
  sts: STSClient;
}

export function createRemediationClients(): RemediationClients {
  return {
    kms: nameEndpointInNetworkErrors(new KMSClient(CLIENT_CONFIG)),
    ssm: nameEndpointInNetworkErrors(new SSMClient(CLIENT_CONFIG)),
    sts: nameEndpointInNetworkErrors(new STSClient(CLIENT_CONFIG)),
  };
}
