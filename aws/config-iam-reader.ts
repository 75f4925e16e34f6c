/**
 * Reads an account's IAM from AWS Config's records instead of the IAM API: the configuration items of
 * AWS::IAM::Role, AWS::IAM::User, AWS::IAM::Group and AWS::IAM::Policy, converted to the shape of IAM
 * GetAccountAuthorizationDetails so the engine's compileAccount reads both alike. No IAM quota is spent.
 * Config records IAM only in the Region that records global resources; elsewhere this answers
 * `recorded: false` and the caller reads the IAM API.
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { AccountAuthorizationDetails } from '../engine';
import type { ConfigReadOptions } from './config-reader';

export type RecordedIam =
  | {
      recorded: true;
      details: AccountAuthorizationDetails;
      /** Configuration items read. */
      items: number;
      /**
       * Managed policies that recorded roles, users or groups attach or use as boundary, but that Config has no
       * item for: AWS managed policies (Config records customer managed ones only). Read them with
       * readManagedPolicies (aws/iam-reader.ts) and add them to `details.Policies`, or the answer is incomplete.
       */
      unrecordedPolicyArns: string[];
    }
  | { recorded: false; reason: string };

export type ConfigIamReadOptions = Omit<ConfigReadOptions, 'config'>;

export async function readRecordedIam(config: ConfigServiceClient, options: ConfigIamReadOptions): Promise<RecordedIam> {
  void config;
  void options;
  return { recorded: false, reason: 'reading IAM from AWS Config is not implemented yet' };
}
