/**
 * Reads an account's IAM in one paginated call family: GetAccountAuthorizationDetails returns every role,
 * user and group with its inline policies, attached managed policies and permissions boundary, and every
 * managed policy with all its versions. The pages are merged into one AccountAuthorizationDetails for the
 * engine's compileAccount. Documents are passed on as IAM returns them (URL-encoded JSON text): the engine
 * decodes them.
 */
import { GetAccountAuthorizationDetailsCommand, type EntityType, type GetAccountAuthorizationDetailsCommandOutput, type IAMClient } from '@aws-sdk/client-iam';
import type { AccountAuthorizationDetails } from '../engine';
import { awsErrorName } from './errors';
import { failureKind, type ReadOutcome } from './kms-reader';
import { limitedCall, type CallBounds, type LimitedCallOptions } from './limited-call';

export const IAM_AUTHORIZATION_DETAILS = 'iam:GetAccountAuthorizationDetails';
export type IamOperation = typeof IAM_AUTHORIZATION_DETAILS;

/**
 * Every entity type GetAccountAuthorizationDetails knows
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html): AWS managed
 * policies are needed too, since a role's attached AdministratorAccess or PowerUserAccess grants kms:*.
 */
const ALL_ENTITY_TYPES: readonly EntityType[] = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'];

/** MaxItems accepts 1 to 1000; the largest page costs the fewest calls of IAM's account-wide quota. */
const PAGE_SIZE = 1000;

export type IamReaderOptions = LimitedCallOptions & Pick<CallBounds<IamOperation>, 'onRequest'>;

/** The account's IAM, every page read, or why it could not be read (never a partial account). */
export async function readAccountAuthorizationDetails(iam: IAMClient, options: IamReaderOptions): Promise<ReadOutcome<AccountAuthorizationDetails, IamOperation>> {
  const details: Required<AccountAuthorizationDetails> = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  let marker: string | undefined;
  try {
    do {
      const page: GetAccountAuthorizationDetailsCommandOutput = await limitedCall(
        IAM_AUTHORIZATION_DETAILS,
        (o) => iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: [...ALL_ENTITY_TYPES], MaxItems: PAGE_SIZE, Marker: marker }), o),
        options,
      );
      details.UserDetailList.push(...(page.UserDetailList ?? []));
      details.GroupDetailList.push(...(page.GroupDetailList ?? []));
      details.RoleDetailList.push(...(page.RoleDetailList ?? []));
      details.Policies.push(...(page.Policies ?? []));
      marker = nextMarker(page);
    } while (marker !== undefined);
  } catch (error) {
    return { ok: false, operation: IAM_AUTHORIZATION_DETAILS, kind: failureKind(error), errorName: awsErrorName(error), error };
  }
  return { ok: true, value: details };
}

/**
 * The marker of the next page. A page that says it is truncated but gives no marker cannot be continued: reading
 * on from the start would loop, and stopping would pass a partial account as whole, so it fails.
 */
function nextMarker(page: GetAccountAuthorizationDetailsCommandOutput): string | undefined {
  if (page.IsTruncated !== true) return undefined;
  if (page.Marker === undefined || page.Marker === '') throw new TruncatedWithoutMarkerError();
  return page.Marker;
}

export class TruncatedWithoutMarkerError extends Error {
  override readonly name = 'TruncatedWithoutMarkerError';
  constructor() {
    super('iam:GetAccountAuthorizationDetails answered IsTruncated without a Marker: the rest of the account cannot be read');
  }
}
