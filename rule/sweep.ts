/**
 * The scheduled sweep: every KMS key of the account and Region.
 *
 * Config's own records are preferred (ListDiscoveredResources + BatchGetResourceConfig, 100 keys a call): they
 * cost no KMS quota. When Config records no keys, or the calls are not allowed or not supported, the sweep
 * reads KMS directly (ListKeys, DescribeKey, GetKeyPolicy) with bounded concurrency, all calls sharing the
 * invocation's rate limit.
 *
 * No new key is started once the deadline passes (about 30 s before the Lambda's end), nor a key whose first
 * KMS request could only go out after it under the rate limit; evaluations already made are still sent, and
 * the keys left over are counted. Each run starts at a different point of the list, so in accounts too large
 * for one run every key is reached over successive runs.
 *
 * An item Config returns as deleted (ResourceDeleted, ResourceDeletedNotRecorded: the key went between the
 * listing and the fetch) is NOT_APPLICABLE at once; KMS is not asked about it.
 */
import type { BaseConfigurationItem, ConfigServiceClient } from '@aws-sdk/client-config-service';
import { CONFIG_BATCH, fetchRecordedItems, listRecordedKeys, type ConfigReadOptions } from '../aws/config-reader';
import { awsErrorName } from '../aws/errors';
import type { KmsKeyReader } from '../aws/kms-reader';
import type { Clock } from '../runtime/clock';
import { apiItemToNotificationItem, isDeletedStatus, keyFactsFromItem, type ItemStatus, type KeyFacts } from './configuration-item';
import { applicability } from './applicability';
import { evaluateKey, type KeyJudge } from './evaluate-key';
import type { RuleLogger } from './operations';
import { notApplicableVerdict, type Verdict } from './verdict';
import { DeadlineReachedError, type CallDeadline } from '../runtime/deadline';
import { runPool } from '../runtime/worker-pool';

export interface SweepDeps {
  config: ConfigServiceClient;
  kms: Pick<KmsKeyReader, 'listKeys'>;
  judge: KeyJudge;
  clock: Clock;
  logger: RuleLogger;
  /** Keys judged at once. @default 8 */
  concurrency: number;
  /**
   * Absolute time (ms since epoch) after which no new key is started; a key whose first KMS request could
   * only go out later (waiting for the rate limit) is not started either.
   */
  stopStartingAt: number;
  /** When every Config call must be over (the invocation's), so a hung call cannot hold the sweep. */
  deadline?: CallDeadline;
  /** Called with each verdict as soon as it is made. */
  onVerdict: (keyId: string, verdict: Verdict) => void;
  /** Seed for the starting point of the list (e.g. the notification time). */
  rotationSeed: string;
}

export interface SweepReport {
  source: 'config' | 'kms';
  /** Why Config's records were not used, when they were not. */
  fallbackReason?: string;
  /** Every key id listed. */
  listed: string[];
  evaluated: number;
  /** Keys listed but not started because the deadline came. */
  notEvaluated: number;
}

/** FNV-1a, for a stable starting offset. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function rotate<T>(items: readonly T[], seed: string): T[] {
  if (items.length === 0) return [];
  const offset = hash(seed) % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}

/** The items of one batch; a failed call leaves the keys not yet returned to be read from KMS. */
async function fetchBatch(ids: string[], deps: SweepDeps): Promise<{ items: BaseConfigurationItem[]; missing: string[] }> {
  const { items, missing, failedWith } = await fetchRecordedItems(ids, configReads(deps));
  if (failedWith !== undefined) deps.logger.warn('config:BatchGetResourceConfig failed; reading these keys from KMS', { errorName: failedWith, keys: missing.length });
  return { items, missing };
}

function configReads(deps: SweepDeps): ConfigReadOptions {
  return { config: deps.config, clock: deps.clock, deadline: deps.deadline };
}

async function judgeAll(entries: KeyFacts[], deps: SweepDeps): Promise<{ started: number; notStarted: number }> {
  return runPool(
    entries,
    deps.concurrency,
    async (facts) => {
      let verdict: Verdict;
      try {
        verdict = await evaluateKey(facts, deps.judge, { notAfter: deps.stopStartingAt });
      } catch (error) {
        // Its first request would have come after the stop time: the key waits for the next run.
        if (error instanceof DeadlineReachedError) return false;
        throw error;
      }
      deps.onVerdict(facts.keyId, verdict);
      return true;
    },
    () => deps.clock.now() < deps.stopStartingAt,
  );
}

export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const recorded = await listRecordedKeys(configReads(deps));
  if (recorded.ok) {
    const ids = rotate(recorded.ids, deps.rotationSeed);
    let evaluated = 0;
    let offset = 0;
    for (; offset < ids.length && deps.clock.now() < deps.stopStartingAt; offset += CONFIG_BATCH) {
      const chunk = ids.slice(offset, offset + CONFIG_BATCH);
      const { items, missing } = await fetchBatch(chunk, deps);
      const facts: KeyFacts[] = [];
      for (const item of items) {
        if (item.resourceId !== undefined && isDeletedStatus(item.configurationItemStatus as ItemStatus)) {
          // Deleted since it was listed: nothing to read, in Config or in KMS.
          deps.onVerdict(item.resourceId, notApplicableVerdict(applicability({ kind: 'deleted' }, deps.judge.params)));
          evaluated++;
          continue;
        }
        try {
          facts.push(keyFactsFromItem(apiItemToNotificationItem(item, 'baseConfigurationItem')));
        } catch (error) {
          deps.logger.warn('unusable configuration item; reading the key from KMS', { resourceId: item.resourceId, errorName: awsErrorName(error) });
          if (item.resourceId !== undefined) facts.push({ keyId: item.resourceId });
        }
      }
      facts.push(...missing.map((keyId) => ({ keyId })));
      const result = await judgeAll(facts, deps);
      evaluated += result.started;
      if (result.notStarted > 0) {
        // Every key of the earlier chunks and the deleted ones of this chunk were evaluated.
        return { source: 'config', listed: recorded.ids, evaluated, notEvaluated: Math.max(0, ids.length - evaluated) };
      }
    }
    return { source: 'config', listed: recorded.ids, evaluated, notEvaluated: Math.max(0, ids.length - offset) };
  }

  deps.logger.info('reading keys from KMS', { reason: recorded.reason });
  const keys = await deps.kms.listKeys();
  const ordered = rotate(keys, deps.rotationSeed);
  const result = await judgeAll(
    ordered.map((k) => (k.arn === undefined ? { keyId: k.keyId } : { keyId: k.keyId, arn: k.arn })),
    deps,
  );
  return {
    source: 'kms',
    fallbackReason: recorded.reason,
    listed: keys.map((k) => k.keyId),
    evaluated: result.started,
    notEvaluated: result.notStarted,
  };
}
