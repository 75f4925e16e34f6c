/**
 * Alias names per key for one account and Region: one paginated ListAliases instead of a call per key.
 * Calls share the scan's rate limit and are retried on throttling like every other KMS read.
 */
import { ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { withRetry } from '../../aws/retry';
import type { Clock } from '../../runtime/clock';
import type { TokenBucket } from '../../runtime/token-bucket';

// ListAliases returns at most 100 per page (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html).
const PAGE = 100;

/** Key id → alias names (`alias/…`), sorted. Throws when a page cannot be read. */
export async function listAliasesByKey(kms: KMSClient, limiter: TokenBucket, clock: Clock): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  let marker: string | undefined;
  do {
    const page = await withRetry(
      async () => {
        await limiter.take();
        return kms.send(new ListAliasesCommand({ Limit: PAGE, Marker: marker }));
      },
      { clock },
    );
    for (const alias of page.Aliases ?? []) {
      // Aliases without a target (predefined alias/aws/… names not yet used) name no key.
      if (alias.TargetKeyId === undefined || alias.AliasName === undefined) continue;
      const names = byKey.get(alias.TargetKeyId) ?? [];
      names.push(alias.AliasName);
      byKey.set(alias.TargetKeyId, names);
    }
    marker = page.Truncated === true ? page.NextMarker : undefined;
  } while (marker !== undefined);
  for (const names of byKey.values()) names.sort();
  return byKey;
}
