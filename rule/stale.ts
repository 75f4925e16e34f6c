/**
 * Clean-up after a sweep, as RDK does: keys the rule evaluated before but that no longer exist would keep
 * their last verdict forever, so they are reported NOT_APPLICABLE.
 *
 * The clean-up is bounded by the sweep's stop time: no page is asked for after it, so the evaluations already
 * made are sent before the Lambda's deadline. Keys found on the pages read are still cleared; the rest wait for
 * the next sweep.
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { evaluatedKeysPage } from '../aws/config-reader';
import { awsErrorName } from '../aws/errors';
import type { Clock } from '../runtime/clock';
import type { RuleLogger } from './operations';
import type { CallDeadline } from '../runtime/deadline';

export type StaleLookup =
  | {
      ok: true;
      resourceIds: string[];
      /** False when the stop time came before the last page: only the pages read were looked at. */
      complete: boolean;
      pagesRead: number;
    }
  | { ok: false; errorName: string };

export interface StaleOptions {
  /** Absolute time (ms since epoch) after which no further page is requested. */
  stopAt: number;
  /** When a page being read must be over (the invocation's): a hung call is abandoned then. */
  deadline?: CallDeadline;
}

/**
 * Resource ids of keys with a COMPLIANT or NON_COMPLIANT evaluation under `configRuleName` that are not in
 * `present`. A lookup that fails is reported, not thrown: the sweep's own evaluations still count.
 */
export async function findStaleKeys(
  config: ConfigServiceClient,
  configRuleName: string,
  present: ReadonlySet<string>,
  clock: Clock,
  logger: RuleLogger,
  options: StaleOptions,
): Promise<StaleLookup> {
  const stale = new Set<string>();
  let nextToken: string | undefined;
  let pagesRead = 0;
  try {
    do {
      if (clock.now() >= options.stopAt) {
        logger.warn('stale evaluation clean-up cut short at the deadline; the rest waits for the next sweep', {
          pagesRead,
          staleFound: stale.size,
        });
        return { ok: true, resourceIds: [...stale], complete: false, pagesRead };
      }
      const page = await evaluatedKeysPage(configRuleName, nextToken, { config, clock, deadline: options.deadline });
      pagesRead++;
      for (const id of page.resourceIds) if (!present.has(id)) stale.add(id);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  } catch (error) {
    logger.warn('stale evaluation clean-up skipped: config:GetComplianceDetailsByConfigRule failed', { errorName: awsErrorName(error) });
    return { ok: false, errorName: awsErrorName(error) };
  }
  return { ok: true, resourceIds: [...stale], complete: true, pagesRead };
}
