/**
 * The AWS Config reads the rule makes of its own records: the KMS keys Config lists, their configuration
 * items (100 a call), a key's latest item (for a change too large to be sent in the event), and the keys this
 * rule has evaluated before. Each call is retried on throttling and
 * transient failures and abandoned at the invocation's deadline; what to do when a read fails (fall back to
 * KMS, skip the clean-up) is the caller's decision, so failures come back as outcomes or as the thrown error.
 */
import {
  BatchGetResourceConfigCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  type BaseConfigurationItem,
  type ConfigServiceClient,
  type ConfigurationItem,
  type ResourceKey,
} from '@aws-sdk/client-config-service';
import type { Clock } from '../runtime/clock';
import { waitOutlastsDeadline, type CallDeadline } from '../runtime/deadline';
import { awsErrorName, classifyAwsError } from './errors';
import { withRetry } from './retry';

export const KMS_KEY_RESOURCE_TYPE = 'AWS::KMS::Key';

/** Keys a BatchGetResourceConfig call may ask for, and a ListDiscoveredResources page may return. */
export const CONFIG_BATCH = 100;

export interface ConfigReadOptions {
  config: ConfigServiceClient;
  clock: Clock;
  /** When every call must be over (the invocation's), so a hung call cannot hold the caller. */
  deadline?: CallDeadline;
}

export type RecordedKeys = { ok: true; ids: string[] } | { ok: false; reason: string };

/** The ids of the KMS keys Config records (deleted ones left out); not ok when it records none or cannot say. */
export async function listRecordedKeys(options: ConfigReadOptions): Promise<RecordedKeys> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await withRetry(
        (attempt) =>
          options.config.send(new ListDiscoveredResourcesCommand({ resourceType: KMS_KEY_RESOURCE_TYPE, limit: CONFIG_BATCH, nextToken }), attempt),
        options,
      );
      for (const r of page.resourceIdentifiers ?? []) {
        // Deleted resources are listed only on request; skip any that slip through.
        if (r.resourceId !== undefined && r.resourceDeletionTime === undefined) ids.push(r.resourceId);
      }
      nextToken = page.nextToken === '' ? undefined : page.nextToken;
    } while (nextToken !== undefined);
  } catch (error) {
    return { ok: false, reason: `config:ListDiscoveredResources failed with ${awsErrorName(error)} (${classifyAwsError(error)})` };
  }
  return ids.length === 0 ? { ok: false, reason: `Config records no ${KMS_KEY_RESOURCE_TYPE}` } : { ok: true, ids };
}

export interface RecordedItems {
  items: BaseConfigurationItem[];
  /** Keys Config did not return, even after retrying unprocessed keys. */
  missing: string[];
  /** The error name, when a call failed and the keys not yet returned were given up. */
  failedWith?: string;
}

/** The configuration items of up to CONFIG_BATCH keys; unprocessed keys are asked for again, up to four calls. */
export async function fetchRecordedItems(ids: readonly string[], options: ConfigReadOptions): Promise<RecordedItems> {
  const { items, failedWith } = await batchGetRecorded(
    ids.map((resourceId) => ({ resourceType: KMS_KEY_RESOURCE_TYPE, resourceId })),
    options,
  );
  const returned = new Set(items.map((i) => i.resourceId));
  return { items, missing: ids.filter((id) => !returned.has(id)), ...(failedWith !== undefined ? { failedWith } : {}) };
}

export interface BatchGetResult {
  items: BaseConfigurationItem[];
  /** Keys Config still left unprocessed after the last call. */
  unprocessed: ResourceKey[];
  /** The error name, when a call failed and the keys not yet returned were given up. */
  failedWith?: string;
}

/**
 * BatchGetResourceConfig for up to CONFIG_BATCH keys of any resource types. Keys Config leaves unprocessed are
 * asked for again after a growing wait, up to four calls in all, none waiting past the deadline. A key Config
 * has no current item for (a resource deleted meanwhile) is neither returned nor unprocessed.
 */
export async function batchGetRecorded(resourceKeys: readonly ResourceKey[], options: ConfigReadOptions): Promise<BatchGetResult> {
  const items: BaseConfigurationItem[] = [];
  let keys: ResourceKey[] = [...resourceKeys];
  for (let call = 1; keys.length > 0 && call <= 4; call++) {
    try {
      const asked = keys;
      const page = await withRetry((attempt) => options.config.send(new BatchGetResourceConfigCommand({ resourceKeys: asked }), attempt), options);
      items.push(...(page.baseConfigurationItems ?? []));
      keys = page.unprocessedResourceKeys ?? [];
    } catch (error) {
      return { items, unprocessed: keys, failedWith: awsErrorName(error) };
    }
    const wait = 100 * 2 ** call;
    if (keys.length > 0 && waitOutlastsDeadline(options.deadline, options.clock, wait)) break;
    if (keys.length > 0) await options.clock.sleep(wait);
  }
  return { items, unprocessed: keys };
}

export interface EvaluatedKeysPage {
  /** KMS keys with a COMPLIANT or NON_COMPLIANT evaluation of the rule on this page. */
  resourceIds: string[];
  nextToken?: string;
}

/** One page of the keys `configRuleName` has evaluated COMPLIANT or NON_COMPLIANT. Throws when the call fails. */
export async function evaluatedKeysPage(configRuleName: string, nextToken: string | undefined, options: ConfigReadOptions): Promise<EvaluatedKeysPage> {
  const page = await withRetry(
    (attempt) =>
      options.config.send(
        new GetComplianceDetailsByConfigRuleCommand({
          ConfigRuleName: configRuleName,
          ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'],
          Limit: 100,
          NextToken: nextToken,
        }),
        attempt,
      ),
    options,
  );
  const resourceIds: string[] = [];
  for (const result of page.EvaluationResults ?? []) {
    const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
    if (qualifier?.ResourceType === KMS_KEY_RESOURCE_TYPE && qualifier.ResourceId !== undefined) resourceIds.push(qualifier.ResourceId);
  }
  const next = page.NextToken === '' ? undefined : page.NextToken;
  return { resourceIds, ...(next !== undefined ? { nextToken: next } : {}) };
}

/** The latest configuration item Config recorded for a key. Throws when the call fails or returns none. */
export async function latestRecordedItem(resourceId: string, options: ConfigReadOptions): Promise<ConfigurationItem> {
  const history = await withRetry(
    (attempt) => options.config.send(new GetResourceConfigHistoryCommand({ resourceType: KMS_KEY_RESOURCE_TYPE, resourceId, limit: 1 }), attempt),
    options,
  );
  const latest = history.configurationItems?.[0];
  if (latest === undefined) throw new Error('GetResourceConfigHistory returned no configuration item');
  return latest;
}
