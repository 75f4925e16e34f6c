/**
 * The request CloudFormation sends a Lambda hook for a resource operation, validated once at the edge.
 *
 * Shape (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html,
 * "Lambda Hook resource input syntax"): `clientRequestToken`, `awsAccountId`, `stackId` (empty for Cloud Control),
 * `changeSetId`, `hookTypeName`, `hookTypeVersion`, `hookModel.LambdaFunction`, `actionInvocationPoint`
 * (CREATE_/UPDATE_/DELETE_PRE_PROVISION), `requestData.targetName` (the resource type), `targetType`,
 * `targetLogicalId`, `targetModel.resourceProperties` (proposed; empty on delete) and
 * `previousResourceProperties` (current; empty on create), and `requestContext.invocation`/`callbackContext`.
 *
 * The resource's template `Metadata` is not part of it: only properties reach a resource-operation hook.
 */

export const INVOCATION_POINTS = ['CREATE_PRE_PROVISION', 'UPDATE_PRE_PROVISION', 'DELETE_PRE_PROVISION'] as const;
export type InvocationPoint = (typeof INVOCATION_POINTS)[number];

export interface HookRequest {
  readonly clientRequestToken: string;
  /** The account the resource is created in: the key's account. */
  readonly awsAccountId: string;
  /** The stack's ARN; undefined when Cloud Control made the call. */
  readonly stackId?: string;
  readonly invocationPoint: InvocationPoint;
  /** The resource type, e.g. `AWS::KMS::Key`. */
  readonly targetName: string;
  readonly targetLogicalId: string;
  /** The proposed properties; undefined when the request carries none (a resource declared without Properties). */
  readonly resourceProperties?: Record<string, unknown>;
}

/** The request is not shaped as a resource-operation hook request; `field` says where. */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

const TYPE_NAME = /^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.slice(0, 80)}"` : `a ${typeof value}`;
}

/** The token to echo, whatever else is wrong with the request; '' when there is none to echo. */
export function clientRequestTokenOf(raw: unknown): string {
  return isRecord(raw) && typeof raw.clientRequestToken === 'string' ? raw.clientRequestToken : '';
}

function requiredString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw new MalformedRequestError(`${where}${key}`, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function invocationPointOf(value: unknown): InvocationPoint {
  const point = INVOCATION_POINTS.find((p) => p === value);
  if (point === undefined) throw new MalformedRequestError('actionInvocationPoint', `must be one of ${INVOCATION_POINTS.join(', ')}, got ${describe(value)}`);
  return point;
}

function resourcePropertiesOf(requestData: Record<string, unknown>): Record<string, unknown> | undefined {
  const model = requestData.targetModel;
  if (model === undefined || model === null) return undefined;
  if (!isRecord(model)) throw new MalformedRequestError('requestData.targetModel', `must be an object, got ${describe(model)}`);
  const properties = model.resourceProperties;
  if (properties === undefined || properties === null) return undefined;
  if (!isRecord(properties)) throw new MalformedRequestError('requestData.targetModel.resourceProperties', `must be an object, got ${describe(properties)}`);
  return properties;
}

/** Validates a resource-operation request; throws MalformedRequestError naming the first field that is wrong. */
export function parseHookRequest(raw: unknown): HookRequest {
  if (!isRecord(raw)) throw new MalformedRequestError('request', `must be a JSON object, got ${describe(raw)}`);
  const clientRequestToken = requiredString(raw, 'clientRequestToken', '');
  const awsAccountId = requiredString(raw, 'awsAccountId', '');
  if (!ACCOUNT_ID.test(awsAccountId)) throw new MalformedRequestError('awsAccountId', `must be a 12-digit account id, got ${describe(awsAccountId)}`);
  const invocationPoint = invocationPointOf(raw.actionInvocationPoint);
  const requestData = raw.requestData;
  if (!isRecord(requestData)) throw new MalformedRequestError('requestData', `must be an object, got ${describe(requestData)}`);
  const targetName = requiredString(requestData, 'targetName', 'requestData.');
  if (!TYPE_NAME.test(targetName)) throw new MalformedRequestError('requestData.targetName', `must be a resource type such as AWS::KMS::Key, got ${describe(targetName)}`);
  const targetLogicalId = requiredString(requestData, 'targetLogicalId', 'requestData.');
  const request: HookRequest = { clientRequestToken, awsAccountId, invocationPoint, targetName, targetLogicalId };
  const stackId = raw.stackId;
  const resourceProperties = resourcePropertiesOf(requestData);
  return {
    ...request,
    ...(typeof stackId === 'string' && stackId !== '' ? { stackId } : {}),
    ...(resourceProperties === undefined ? {} : { resourceProperties }),
  };
}
