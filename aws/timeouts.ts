/**
 * The network timeouts of every AWS client, apart from the clients themselves, so that option parsing can
 * name the defaults without loading the AWS SDK.
 */
/** How long an AWS call may wait for the network, per attempt. */
export interface AwsTimeouts {
  /** To open the TCP (and TLS) connection. */
  connectionTimeoutMs: number;
  /** For the whole request, from sending it to the answer's headers; also the longest silence while reading the body. */
  requestTimeoutMs: number;
}

/**
 * The timeouts of every AWS client the project makes (the rule, `scan`, and the remediation Lambda may reuse
 * them). KMS and Config answer reads in well under a second; 10 s per attempt leaves room for a slow answer
 * while a Lambda invocation with a 30 s stop margin can still retry once and send its evaluations.
 */
export const DEFAULT_AWS_TIMEOUTS: Readonly<AwsTimeouts> = Object.freeze({ connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 });
