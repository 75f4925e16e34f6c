/**
 * Configuration items of AWS::KMS::Key, in the shape Config puts in change notifications, and the conversion
 * from the API shape (GetResourceConfigHistory, BatchGetResourceConfig) to it.
 *
 * The two shapes differ (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationItem.html):
 * in a notification `configuration` is an object and supplementary values are plain JSON values; in the API
 * `configuration` is a JSON string and every supplementary value is itself JSON-encoded. The rule works on the
 * notification shape only, as RDK does.
 */
import type { BaseConfigurationItem, ConfigurationItem } from '@aws-sdk/client-config-service';
import { InvalidEventError } from './errors';

/** Values of configurationItemStatus (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationItem.html). */
const ITEM_STATUSES = ['OK', 'ResourceDiscovered', 'ResourceNotRecorded', 'ResourceDeleted', 'ResourceDeletedNotRecorded'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export function isDeletedStatus(status: ItemStatus): boolean {
  return status === 'ResourceDeleted' || status === 'ResourceDeletedNotRecorded';
}

/** A configuration item in notification shape, validated. */
export interface NotificationItem {
  resourceType: string;
  resourceId: string;
  ARN?: string;
  awsAccountId?: string;
  awsRegion?: string;
  configurationItemCaptureTime: string;
  configurationItemStatus: ItemStatus;
  /** The resource's configuration; null for deleted or not-recorded resources. */
  configuration: Record<string, unknown> | null;
  supplementaryConfiguration: Record<string, unknown>;
  /** Resource tags; undefined when the source does not carry them (BatchGetResourceConfig). */
  tags?: Record<string, string>;
}

/** Key policy as found in a configuration item: JSON text, or an already-parsed document. */
export type PolicySource = string | Record<string, unknown>;

/** What the verdict needs to know about one key, from whichever source had it. */
export interface KeyFacts {
  keyId: string;
  arn?: string;
  /** `AWS` or `CUSTOMER` (KeyMetadata.KeyManager); undefined when not known yet. */
  keyManager?: string;
  /** KeyMetadata.KeyState, e.g. `Enabled`, `PendingDeletion`; undefined when not known yet. */
  keyState?: string;
  policy?: PolicySource;
  tags?: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(item: Record<string, unknown>, key: string, field: string): string | undefined {
  const value = item[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(`${field}.${key}`, `must be a string, got ${typeof value}`);
  return value;
}

function requiredString(item: Record<string, unknown>, key: string, field: string): string {
  const value = optionalString(item, key, field);
  if (value === undefined || value === '') throw new InvalidEventError(`${field}.${key}`, 'is missing');
  return value;
}

export function requiredTimestamp(item: Record<string, unknown>, key: string, field: string): string {
  const value = requiredString(item, key, field);
  if (Number.isNaN(Date.parse(value))) throw new InvalidEventError(`${field}.${key}`, `is not a timestamp: "${value}"`);
  return value;
}

export function parseItemStatus(value: unknown, field: string): ItemStatus {
  if (typeof value === 'string' && (ITEM_STATUSES as readonly string[]).includes(value)) return value as ItemStatus;
  throw new InvalidEventError(field, `must be one of ${ITEM_STATUSES.join(', ')}, got ${JSON.stringify(value)}`);
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (!isRecord(value)) throw new InvalidEventError(field, 'must be an object');
  // No prototype: a tag named "__proto__" or "constructor" is a tag like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new InvalidEventError(`${field}.${k}`, 'must be a string');
    out[k] = v;
  }
  return out;
}

/** Validates a configuration item in notification shape; `field` names it in errors (e.g. `invokingEvent.configurationItem`). */
export function validateNotificationItem(value: unknown, field: string): NotificationItem {
  if (!isRecord(value)) throw new InvalidEventError(field, 'must be an object');
  const configuration = value.configuration;
  if (configuration !== undefined && configuration !== null && !isRecord(configuration)) {
    throw new InvalidEventError(`${field}.configuration`, 'must be an object or null');
  }
  const supplementary = value.supplementaryConfiguration;
  if (supplementary !== undefined && supplementary !== null && !isRecord(supplementary)) {
    throw new InvalidEventError(`${field}.supplementaryConfiguration`, 'must be an object');
  }
  const item: NotificationItem = {
    resourceType: requiredString(value, 'resourceType', field),
    resourceId: requiredString(value, 'resourceId', field),
    configurationItemCaptureTime: requiredTimestamp(value, 'configurationItemCaptureTime', field),
    configurationItemStatus: parseItemStatus(value.configurationItemStatus, `${field}.configurationItemStatus`),
    configuration: configuration ?? null,
    supplementaryConfiguration: supplementary ?? {},
  };
  const arn = optionalString(value, 'ARN', field);
  if (arn !== undefined) item.ARN = arn;
  const account = optionalString(value, 'awsAccountId', field);
  if (account !== undefined) item.awsAccountId = account;
  const region = optionalString(value, 'awsRegion', field);
  if (region !== undefined) item.awsRegion = region;
  if (value.tags !== undefined && value.tags !== null) item.tags = stringMap(value.tags, `${field}.tags`);
  return item;
}

function parseJsonOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/**
 * Converts an item from GetResourceConfigHistory or BatchGetResourceConfig to notification shape. A
 * configuration that is not JSON becomes null (the key's facts are then read from KMS); a supplementary value
 * that is not JSON is kept as its raw text.
 */
export function apiItemToNotificationItem(api: ConfigurationItem | BaseConfigurationItem, field: string): NotificationItem {
  const configuration = typeof api.configuration === 'string' ? parseJsonOr(api.configuration, null) : null;
  const supplementaryConfiguration: Record<string, unknown> = {};
  for (const [key, encoded] of Object.entries(api.supplementaryConfiguration ?? {})) {
    supplementaryConfiguration[key] = parseJsonOr(encoded, encoded);
  }
  const capture = api.configurationItemCaptureTime;
  const shaped: Record<string, unknown> = {
    resourceType: api.resourceType,
    resourceId: api.resourceId,
    ARN: api.arn,
    awsAccountId: api.accountId,
    awsRegion: api.awsRegion,
    configurationItemCaptureTime: capture instanceof Date ? capture.toISOString() : capture,
    configurationItemStatus: api.configurationItemStatus,
    configuration: isRecord(configuration) ? configuration : null,
    supplementaryConfiguration,
  };
  if ('tags' in api && api.tags !== undefined) shaped.tags = api.tags;
  return validateNotificationItem(shaped, field);
}

/**
 * The key policy in `supplementaryConfiguration.Policy`, if any. Config has carried it both as the policy
 * text and as that text JSON-encoded once more, so a string that decodes to a string is unwrapped. A string
 * that is not JSON at all is returned as is: the engine reports it as INVALID_POLICY.
 */
export function policyFromSupplementary(supplementary: Record<string, unknown>): PolicySource | undefined {
  const value = supplementary.Policy ?? supplementary.policy;
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return JSON.stringify(value);
  const decoded = parseJsonOr(value, undefined);
  return typeof decoded === 'string' ? decoded : value;
}

function configString(configuration: Record<string, unknown> | null, key: string): string | undefined {
  const value = configuration?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The facts a KMS key's configuration item carries (configuration fields keyId, arn, keyManager, keyState). */
export function keyFactsFromItem(item: NotificationItem): KeyFacts {
  const facts: KeyFacts = { keyId: configString(item.configuration, 'keyId') ?? item.resourceId };
  const arn = configString(item.configuration, 'arn') ?? item.ARN;
  if (arn !== undefined) facts.arn = arn;
  const keyManager = configString(item.configuration, 'keyManager');
  if (keyManager !== undefined) facts.keyManager = keyManager;
  const keyState = configString(item.configuration, 'keyState');
  if (keyState !== undefined) facts.keyState = keyState;
  const policy = policyFromSupplementary(item.supplementaryConfiguration);
  if (policy !== undefined) facts.policy = policy;
  if (item.tags !== undefined) facts.tags = item.tags;
  return facts;
}
