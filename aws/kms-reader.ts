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
      const page = await this.call('kms:ListKeys', (o) => this.options.kms.send(new ListKeysCommand({ Limit: LIST_KEYS_PAGE, Marker: marker }), o));
      for (const key of page.Keys ?? []) {
        if (key.KeyId !== undefined) keys.push(key.KeyArn === undefined ? { keyId: key.KeyId } : { keyId: key.KeyId, arn: key.KeyArn });
      }
      marker = page.Truncated === true ? page.NextMarker : undefined;
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
      const outcome = await this.read('kms:ListResourceTags', (o) =>
        this.options.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }), o),
      );
      if (!outcome.ok) return outcome;
      for (const tag of outcome.value.Tags ?? []) {
        if (tag.TagKey !== undefined) tags[tag.TagKey] = tag.TagValue ?? '';
      }
      marker = outcome.value.Truncated === true ? outcome.value.NextMarker : undefined;
    } while (marker !== undefined);
    return { ok: true, value: tags };
  }

  /**
   * Every grant of the key: ListGrants, page after page (100 a page), each page behind the rate limit and
   * retried like every read. One failed page fails the whole read: a partial list would pass for all the grants.
   * A page that is no object fails too (errorName `InvalidResponse`): its grants are unknown, never none.
   */
  async grants(keyId: string, options: ReadOptions = {}): Promise<ReadOutcome<KeyGrantsRead>> {
    const entries: unknown[] = [];
    let marker: string | undefined;
    let notAfter = options.notAfter;
    do {
      const outcome = await this.read(
        'kms:ListGrants',
        (o) => this.options.kms.send(new ListGrantsCommand({ KeyId: keyId, Limit: LIST_GRANTS_PAGE, ...(marker === undefined ? {} : { Marker: marker }) }), o),
        notAfter,
      );
      notAfter = undefined;
      if (!outcome.ok) return outcome;
      const page: unknown = outcome.value;
      if (typeof page !== 'object' || page === null) {
        const error = new Error('ListGrants answered no object');
        error.name = 'InvalidResponse';
        return { ok: false, operation: 'kms:ListGrants', kind: 'error', errorName: error.name, error };
      }
      // An absent Grants list is an empty page (the AWS JSON protocol may leave empty lists out).
      entries.push(...(outcome.value.Grants ?? []));
      marker = outcome.value.Truncated === true ? outcome.value.NextMarker : undefined;
      if (outcome.value.Truncated === true && marker === undefined) {
        // A truncated page without a marker: the rest cannot be asked for, so the list is not whole.
        const error = new Error('ListGrants answered Truncated without NextMarker');
        error.name = 'InvalidResponse';
        return { ok: false, operation: 'kms:ListGrants', kind: 'error', errorName: error.name, error };
      }
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
