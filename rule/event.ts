/**
 * The event Config sends to a custom rule's Lambda
 * (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html),
 * parsed and validated once here. `invokingEvent` and `ruleParameters` arrive as JSON strings; everything past
 * this file works on the typed result.
 */
import { InvalidEventError, UnknownMessageTypeError } from './errors';
import {
  parseItemStatus,
  requiredTimestamp,
  validateNotificationItem,
  type ItemStatus,
  type NotificationItem,
} from './configuration-item';

/** The fields of an oversized notification's `configurationItemSummary` the rule uses. */
export interface ItemSummary {
  resourceType: string;
  resourceId: string;
  configurationItemCaptureTime: string;
  configurationItemStatus: ItemStatus;
}

export type InvokingEvent =
  | { messageType: 'ConfigurationItemChangeNotification'; configurationItem: NotificationItem }
  | { messageType: 'OversizedConfigurationItemChangeNotification'; configurationItemSummary: ItemSummary }
  | { messageType: 'ScheduledNotification'; notificationCreationTime: string };

export type MessageType = InvokingEvent['messageType'];

/** Config's `resultToken` for evaluations that are checked but not recorded (PutEvaluations TestMode). */
const TEST_MODE_RESULT_TOKEN = 'TESTMODE';

export interface RuleEvent {
  invokingEvent: InvokingEvent;
  /** The decoded `ruleParameters` object (validated separately by parseRuleParameters). */
  ruleParameters: Record<string, unknown>;
  resultToken: string;
  testMode: boolean;
  eventLeftScope: boolean;
  accountId: string;
  configRuleName: string;
  configRuleArn?: string;
  executionRoleArn?: string;
  /** ARN partition (`aws`, `aws-cn`, `aws-us-gov`), from the rule's or the role's ARN. */
  partition: string;
  /** Region of the rule, from its ARN; undefined when the event carries no rule ARN. */
  region?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeJsonObject(value: unknown, field: string, emptyAllowed: boolean): Record<string, unknown> {
  if (value === undefined || value === null || value === '') {
    if (emptyAllowed) return {};
    throw new InvalidEventError(field, 'is missing');
  }
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be a JSON string, got ${typeof value}`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(value);
  } catch (cause) {
    throw new InvalidEventError(field, 'is not valid JSON', { cause });
  }
  if (!isRecord(decoded)) throw new InvalidEventError(field, 'must encode a JSON object');
  return decoded;
}

function requiredString(event: Record<string, unknown>, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidEventError(field, value === undefined ? 'is missing' : 'must be a non-empty string');
  }
  return value;
}

function optionalString(event: Record<string, unknown>, field: string): string | undefined {
  const value = event[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be a string, got ${typeof value}`);
  return value;
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:/;

function parseInvokingEvent(value: unknown): InvokingEvent {
  const decoded = decodeJsonObject(value, 'invokingEvent', false);
  const messageType = decoded.messageType;
  if (typeof messageType !== 'string' || messageType === '') {
    throw new InvalidEventError('invokingEvent.messageType', 'is missing');
  }
  switch (messageType) {
    case 'ConfigurationItemChangeNotification':
      return {
        messageType,
        configurationItem: validateNotificationItem(decoded.configurationItem, 'invokingEvent.configurationItem'),
      };
    case 'OversizedConfigurationItemChangeNotification': {
      const field = 'invokingEvent.configurationItemSummary';
      const summary = decoded.configurationItemSummary;
      if (!isRecord(summary)) throw new InvalidEventError(field, 'must be an object');
      const resourceType = summary.resourceType;
      const resourceId = summary.resourceId;
      if (typeof resourceType !== 'string' || resourceType === '') throw new InvalidEventError(`${field}.resourceType`, 'is missing');
      if (typeof resourceId !== 'string' || resourceId === '') throw new InvalidEventError(`${field}.resourceId`, 'is missing');
      return {
        messageType,
        configurationItemSummary: {
          resourceType,
          resourceId,
          configurationItemCaptureTime: requiredTimestamp(summary, 'configurationItemCaptureTime', field),
          configurationItemStatus: parseItemStatus(summary.configurationItemStatus, `${field}.configurationItemStatus`),
        },
      };
    }
    case 'ScheduledNotification':
      return {
        messageType,
        notificationCreationTime: requiredTimestamp(decoded, 'notificationCreationTime', 'invokingEvent'),
      };
    default:
      throw new UnknownMessageTypeError(messageType);
  }
}

/** Parses and validates the Lambda event; throws InvalidEventError naming the field, or UnknownMessageTypeError. */
export function parseRuleEvent(event: unknown): RuleEvent {
  if (!isRecord(event)) throw new InvalidEventError('event', 'must be an object');
  const accountId = requiredString(event, 'accountId');
  if (!/^\d{12}$/.test(accountId)) throw new InvalidEventError('accountId', `must be a 12-digit account id, got "${accountId}"`);
  const resultToken = requiredString(event, 'resultToken');
  const configRuleName = requiredString(event, 'configRuleName');
  const configRuleArn = optionalString(event, 'configRuleArn');
  const executionRoleArn = optionalString(event, 'executionRoleArn');
  const leftScope = event.eventLeftScope;
  if (leftScope !== undefined && leftScope !== null && typeof leftScope !== 'boolean') {
    throw new InvalidEventError('eventLeftScope', `must be a boolean, got ${typeof leftScope}`);
  }
  let partition = 'aws';
  let region: string | undefined;
  if (configRuleArn !== undefined) {
    const match = ARN.exec(configRuleArn);
    if (match === null) throw new InvalidEventError('configRuleArn', `is not an ARN: "${configRuleArn}"`);
    partition = match[1] ?? partition;
    region = match[3] === '' ? undefined : match[3];
  } else if (executionRoleArn !== undefined) {
    partition = ARN.exec(executionRoleArn)?.[1] ?? partition;
  }
  const parsed: RuleEvent = {
    invokingEvent: parseInvokingEvent(event.invokingEvent),
    ruleParameters: decodeJsonObject(event.ruleParameters, 'ruleParameters', true),
    resultToken,
    testMode: resultToken === TEST_MODE_RESULT_TOKEN,
    eventLeftScope: leftScope === true,
    accountId,
    configRuleName,
    partition,
  };
  if (configRuleArn !== undefined) parsed.configRuleArn = configRuleArn;
  if (executionRoleArn !== undefined) parsed.executionRoleArn = executionRoleArn;
  if (region !== undefined) parsed.region = region;
  return parsed;
}
