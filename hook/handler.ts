/**
 * The CloudFormation Lambda hook: judges the key policy of every AWS::KMS::Key and AWS::KMS::ReplicaKey a stack
 * is about to create or update, before CloudFormation provisions it, and fails the operation (FailureMode FAIL)
 * when the policy breaks a check.
 *
 * It makes no AWS call: the policy, the account and the tags are all in the request, so the function needs no
 * permission beyond its logs and its cold start stays small. It always answers: a malformed request, unusable
 * settings or an unexpected error becomes FAILED with errorCode InternalFailure and the reason, never an
 * exception (which CloudFormation would only report as a failed invocation, without the reason).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { analyzePolicy, partitionOfRegion } from '../engine';
import { judgeRequest, type Analyzer, type HookDecision } from './judge';
import { clientRequestTokenOf, MalformedRequestError, parseHookRequest, type HookRequest } from './request';
import { failure, renderDecision, type HookResponse } from './response';
import { readHookSettings, type HookSettings } from './settings';

export type HookLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface HookHandlerDeps {
  logger: HookLogger;
  /** The function's environment, read once. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** The policy engine. @default analyzePolicy */
  analyze?: Analyzer;
}

export type HookHandler = (event: unknown) => Promise<HookResponse>;

type SettingsRead = { ok: true; settings: HookSettings } | { ok: false; message: string };

function readSettings(env: Readonly<Record<string, string | undefined>>): SettingsRead {
  try {
    return { ok: true, settings: readHookSettings(env) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** What the logs say of a decision: ids and check ids, never the policy. */
function decisionFields(request: HookRequest, decision: HookDecision, response: HookResponse): Record<string, unknown> {
  const findings = 'findings' in decision ? decision.findings : [];
  return {
    stackId: request.stackId,
    logicalId: request.targetLogicalId,
    targetName: request.targetName,
    invocationPoint: request.invocationPoint,
    decision: decision.kind,
    hookStatus: response.hookStatus,
    errorCode: response.errorCode,
    checkIds: [...new Set(findings.map((f) => f.checkId))],
  };
}

export function createHandler(deps: HookHandlerDeps): HookHandler {
  const env = deps.env ?? process.env;
  // Read once per container; a bad value fails every invocation with its message rather than the init phase,
  // which CloudFormation would only see as an invocation error.
  const settings = readSettings(env);
  const analyze = deps.analyze ?? analyzePolicy;
  const defaultPartition = env.AWS_REGION === undefined ? 'aws' : partitionOfRegion(env.AWS_REGION);
  const { logger } = deps;

  return async (event) => {
    const token = clientRequestTokenOf(event);
    try {
      if (!settings.ok) {
        logger.error('hook settings are invalid', { errorMessage: settings.message });
        return failure(token, 'InternalFailure', `kms-policy-guard: the hook is misconfigured, so nothing can be judged: ${settings.message}`);
      }
      const request = parseHookRequest(event);
      const decision = judgeRequest({ request, settings: settings.settings, analyze, defaultPartition });
      const response = renderDecision(decision, request, settings.settings);
      const fields = decisionFields(request, decision, response);
      if (response.hookStatus === 'SUCCESS') logger.info('resource judged', fields);
      else logger.warn('resource refused', fields);
      return response;
    } catch (error) {
      if (error instanceof MalformedRequestError) {
        logger.error('malformed hook request', { field: error.field, errorMessage: error.message });
        return failure(token, 'InternalFailure', `kms-policy-guard: the request is not a resource-operation hook request (${error.message}); nothing was judged. Check that the hook targets RESOURCE operations.`);
      }
      // `errorMessage`, not `message`: Powertools Logger reserves `message`.
      logger.error('hook failed', { errorName: errorName(error), errorMessage: error instanceof Error ? error.message : String(error) });
      return failure(token, 'InternalFailure', `kms-policy-guard: the hook failed (${errorName(error)}) before judging the resource; see the hook function's logs.`);
    }
  };
}

/** Production wiring: Powertools Logger; settings from the function's environment. */
export const handler: HookHandler = createHandler({ logger: new Logger({ serviceName: 'kms-policy-guard-hook' }) });
