/**
 * The KMS reads the rule makes, each behind the invocation's shared rate limit and retried on throttling and
 * transient failures. Reads return outcomes instead of throwing, so one unreadable key never stops a sweep.
 * The one exception: a read given `notAfter` whose first request could only be made after that time throws
 * DeadlineReachedError before sending anything, so the sweep can leave the key for the next run.
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KMSClient,
  type KeyListEntry,
  type Tag,
} from '@aws-sdk/client-kms';
import { keyGrantsFromListGrants, type GrantProblem, type KeyGrant } from '../engine';
import type { Clock } from '../runtime/clock';
import { DeadlineReachedError, InvocationDeadlineError, waitOutlastsDeadline, type CallDeadline } from '../runtime/deadline';
import type { TokenBucket } from '../runtime/token-bucket';
import { awsErrorName, classifyAwsError, isTimeout } from './errors';
import { limitedCall } from './limited-call';
import type { RetryOptions } from './retry';

/** Why a key's policy could not be judged. */
export interface ReadFailure {
  /** `timeout`: no answer within the client's request timeout, or before the invocation's deadline. */
  kind: 'access-denied' | 'not-found' | 'throttled' | 'invalid-state' | 'timeout' | 'error';
  /** The IAM action that failed, e.g. `kms:GetKeyPolicy`. */
  operation: string;
  /** The service's error code, e.g. `AccessDeniedException`. */
  errorName: string;
  /** The principal that made the call and needs the permission. */
  principal: string;
}

export type KmsOperation = 'kms:ListKeys' | 'kms:DescribeKey' | 'kms:GetKeyPolicy' | 'kms:ListResourceTags' | 'kms:ListGrants';

/** A read's value, or why it failed; `Op` is the IAM action of the calls (KMS's by default). */
export type ReadOutcome<T, Op extends string = KmsOperation> =
  | { ok: true; value: T }
  | { ok: false; operation: Op; kind: ReadFailure['kind']; errorName: string; error: unknown };

export interface KeyMetadataFacts {
  arn?: string;
  keyManager?: string;
  keyState?: string;
}

export interface ReadOptions {
  /** Time (ms since the epoch) by which the first request must be able to go out, or DeadlineReachedError. */
  notAfter?: number;
}

export interface KmsReaderOptions {
  kms: KMSClient;
  limiter: TokenBucket;
  clock: Clock;
  retry?: Omit<RetryOptions, 'clock' | 'deadline'>;
  /**
   * The time every read must be over by (the Lambda invocation's): no request, rate-limit wait or retry wait
   * goes past it, and a request in flight then is aborted. The read then fails as a timeout.
   */
  deadline?: CallDeadline;
  /** Told of every request sent to KMS, retries included (for metrics and benchmarks). */
  onRequest?: (operation: KmsOperation) => void;
}

/** The kind of read failure an AWS error stands for. */
export function failureKind(error: unknown): ReadFailure['kind'] {
  if (error instanceof InvocationDeadlineError || isTimeout(error)) return 'timeout';
  const kind = classifyAwsError(error);
  switch (kind) {
    case 'throttling':
      return 'throttled';
    case 'access-denied':
      return 'access-denied';
    case 'not-found':
      return 'not-found';
    case 'invalid-state':
      return 'invalid-state';
    case 'unsupported':
    case 'other':
      return 'error';
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/**
 * The key's grants, and what could not be read of them (keyGrantsFromListGrants: no entry is dropped). The
 * caller passes `grants` to the engine and reports `problems` (the engine warns of each, too).
 */
export interface KeyGrantsRead {
  grants: KeyGrant[];
  problems: GrantProblem[];
}

// ListGrants accepts at most 100 per page (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html).
const LIST_GRANTS_PAGE = 100;

// ListKeys accepts at most 1000 per page (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html).
const LIST_KEYS_PAGE = 1000;

/** A page that is not what KMS documents: its contents are unknown, so the read fails (fail closed). */
function invalidResponse(message: string): Error {
  const error = new Error(message);
  error.name = 'InvalidResponse';
  return error;
}

/**
 * The entries a list page carries under `field`. An absent list is an empty page (the AWS JSON protocol may leave
 * empty lists out); a page that is no object or a list that is no list is an invalid answer, never an empty page (iterating it would throw a TypeError past the caller).
 */
function pageEntries(page: unknown, field: string, operation: string): unknown[] | Error {
  if (typeof page !== 'object' || page === null) return invalidResponse(`${operation} answered no object`);
  const list = (page as Record<string, unknown>)[field];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return invalidResponse(`${operation} answered ${field} that is not a list`);
  return list as unknown[];
}

/** pageEntries, each entry an object (an entry that is none would throw a TypeError when read). */
function objectEntries<T>(page: unknown, field: string, operation: string): T[] | Error {
  const entries = pageEntries(page, field, operation);
  if (entries instanceof Error) return entries;
  if (!entries.every((e) => typeof e === 'object' && e !== null)) return invalidResponse(`${operation} answered an entry of ${field} that is not an object`);
  return entries as T[];
}

/**
 * The marker of the next page, undefined after the last one. A NextMarker is followed even when the page does not
 * say Truncated (as the SDK's paginators do): ending there would take part of the list for all of it. A page
 * that says Truncated without a marker, or gives back the marker it was asked with, cannot be continued: the
 * list is not whole, so the read fails.
 */
function nextMarker(page: unknown, asked: string | undefined, operation: string): string | undefined | Error {
  const { Truncated: truncated, NextMarker: next } = page as Record<string, unknown>;
  if (next !== undefined && next !== null && typeof next !== 'string') return invalidResponse(`${operation} answered a NextMarker that is not text`);
  const marker = next === '' || next === null ? undefined : next;
  if (marker === undefined) return truncated === true ? invalidResponse(`${operation} answered Truncated without NextMarker`) : undefined;
  if (marker === asked) return invalidResponse(`${operation} answered the marker it was asked with, ${JSON.stringify(marker)}`);
  return marker;
}

function invalidOutcome<Op extends KmsOperation>(operation: Op, error: Error): ReadOutcome<never> {
  return { ok: false, operation, kind: 'error', errorName: error.name, error };
}

export class KmsKeyReader {
  constructor(private readonly options: KmsReaderOptions) {}

  private call<T>(operation: KmsOperation, send: (options: { abortSignal?: AbortSignal }) => Promise<T>, notAfter?: number): Promise<T> {
    return limitedCall(operation, send, { ...this.options, ...(notAfter !== undefined ? { notAfter } : {}) });
  }

  private async read<T>(operation: KmsOperation, send: (options: { abortSignal?: AbortSignal }) => Promise<T>, notAfter?: number): Promise<ReadOutcome<T>> {
    try {
      return { ok: true, value: await this.call(operation, send, notAfter) };
    } catch (error) {
      if (error instanceof DeadlineReachedError) throw error;
      return { ok: false, operation, kind: failureKind(error), errorName: awsErrorName(error), error };
    }
  }

  /** Every key of the account and Region. Throws when listing fails: without the list there is no sweep. */
  async listKeys(): Promise<{ keyId: string; arn?: string }[]> {
    const keys: { keyId: string; arn?: string }[] = [];
    let marker: string | undefined;
    do {
      const asked = marker;
      const page: unknown = await this.call('kms:ListKeys', (o) => this.options.kms.send(new ListKeysCommand({ Limit: LIST_KEYS_PAGE, Marker: asked }), o));
      const entries = objectEntries<KeyListEntry>(page, 'Keys', 'ListKeys');
      if (entries instanceof Error) throw entries;
      for (const key of entries) {
        if (key.KeyId !== undefined) keys.push(key.KeyArn === undefined ? { keyId: key.KeyId } : { keyId: key.KeyId, arn: key.KeyArn });
      }
      const next = nextMarker(page, asked, 'ListKeys');
      if (next instanceof Error) throw next;
      marker = next;
    } while (marker !== undefined);
    return keys;
  }

  /** Metadata of a key. With `notAfter`, throws DeadlineReachedError when the request could not go out by then. */
  async describe(keyId: string, options: ReadOptions = {}): Promise<ReadOutcome<KeyMetadataFacts>> {
    const outcome = await this.read(
      'kms:DescribeKey',
      (o) => this.options.kms.send(new DescribeKeyCommand({ KeyId: keyId }), o),
      options.notAfter,
    );
    if (!outcome.ok) return outcome;
    const metadata = outcome.value?.KeyMetadata;
    const facts: KeyMetadataFacts = {};
    if (metadata?.Arn !== undefined) facts.arn = metadata.Arn;
    if (metadata?.KeyManager !== undefined) facts.keyManager = metadata.KeyManager;
    if (metadata?.KeyState !== undefined) facts.keyState = metadata.KeyState;
    return { ok: true, value: facts };
  }

  /** The key policy text. `default` is the only policy name KMS supports. `notAfter` as for describe. */
  async policy(keyId: string, options: ReadOptions = {}): Promise<ReadOutcome<string>> {
    const outcome = await this.read(
      'kms:GetKeyPolicy',
      (o) => this.options.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), o),
      options.notAfter,
    );
    if (!outcome.ok) return outcome;
    // A missing Policy is passed on as empty text: the engine reports it as INVALID_POLICY, never as clean.
    return { ok: true, value: outcome.value.Policy ?? '' };
  }

  async tags(keyId: string): Promise<ReadOutcome<Record<string, string>>> {
    // No prototype: a tag named "__proto__" or "constructor" is a tag like any other.
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    let marker: string | undefined;
    do {
      const asked = marker;
      const outcome = await this.read('kms:ListResourceTags', (o) =>
        this.options.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: asked }), o),
      );
      if (!outcome.ok) return outcome;
      const entries = objectEntries<Tag>(outcome.value, 'Tags', 'ListResourceTags');
      if (entries instanceof Error) return invalidOutcome('kms:ListResourceTags', entries);
      for (const tag of entries) {
        if (tag.TagKey !== undefined) tags[tag.TagKey] = tag.TagValue ?? '';
      }
      const next = nextMarker(outcome.value, asked, 'ListResourceTags');
      if (next instanceof Error) return invalidOutcome('kms:ListResourceTags', next);
      marker = next;
    } while (marker !== undefined);
    return { ok: true, value: tags };
  }

  /**
   * Every grant of the key: ListGrants, page after page (100 a page), each page behind the rate limit and
   * retried like every read. One failed page fails the whole read: a partial list would pass for all the grants.
   * A page that is not what KMS documents (no object, Grants no list, a marker that cannot be followed) fails too
   * (errorName `InvalidResponse`): its grants are unknown, never none.
   */
  async grants(keyId: string, options: ReadOptions = {}): Promise<ReadOutcome<KeyGrantsRead>> {
    const entries: unknown[] = [];
    let marker: string | undefined;
    let notAfter = options.notAfter;
    do {
      const asked = marker;
      const outcome = await this.read(
        'kms:ListGrants',
        (o) => this.options.kms.send(new ListGrantsCommand({ KeyId: keyId, Limit: LIST_GRANTS_PAGE, ...(asked === undefined ? {} : { Marker: asked }) }), o),
        notAfter,
      );
      notAfter = undefined;
      if (!outcome.ok) return outcome;
      const entriesOfPage = pageEntries(outcome.value, 'Grants', 'ListGrants');
      if (entriesOfPage instanceof Error) return invalidOutcome('kms:ListGrants', entriesOfPage);
      // An entry that is no object is kept: keyGrantsFromListGrants judges it as a grant that cannot be read.
      entries.push(...entriesOfPage);
      const next = nextMarker(outcome.value, asked, 'ListGrants');
      if (next instanceof Error) return invalidOutcome('kms:ListGrants', next);
      marker = next;
    } while (marker !== undefined);
    const { grants, problems } = keyGrantsFromListGrants(entries);
    return { ok: true, value: { grants, problems } };
  }

  /**
   * Whether a key a read just answered NotFoundException for is really gone. KMS is eventually consistent: a key
   * can be briefly unknown to reads right after CreateKey
   * (https://docs.aws.amazon.com/kms/latest/developerguide/accessing-kms.html#programming-eventual-consistency),
   * so DescribeKey is asked again after a short wait. Only a second NotFoundException says the key is gone; any
   * other answer (metadata, or another failure) is returned for the caller to judge, failing closed.
   */
  async confirmGone(keyId: string): Promise<{ gone: true } | { gone: false; described: ReadOutcome<KeyMetadataFacts> }> {
    const { deadline, clock } = this.options;
    // No wait that would end past the deadline: the key is then left as unreadable, as before.
    if (waitOutlastsDeadline(deadline, clock, NOT_FOUND_CONFIRMATION_WAIT_MS)) {
      return { gone: false, described: { ok: false, operation: 'kms:DescribeKey', kind: 'timeout', errorName: 'InvocationDeadlineError', error: new InvocationDeadlineError() } };
    }
    await clock.sleep(NOT_FOUND_CONFIRMATION_WAIT_MS);
    const described = await this.describe(keyId);
    if (!described.ok && described.kind === 'not-found') return { gone: true };
    return { gone: false, described };
  }
}

/** How long to wait before asking DescribeKey whether a key a read did not find is really gone. */
const NOT_FOUND_CONFIRMATION_WAIT_MS = 1000;
