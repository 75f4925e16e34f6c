import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { requireLambdaBundle, type LambdaHandlerName } from './lambda-bundle';

export interface GuardFunctionProps {
  /** Which of the package's prebuilt handler bundles the function runs (`dist/lambda/<name>/index.js`). */
  readonly handler: LambdaHandlerName;
  readonly description: string;
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Function timeout.
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Keep failed asynchronous invocations in an encrypted SQS queue (after Lambda's retries).
   * @default false
   */
  readonly asyncFailureQueue?: boolean;
}

/**
 * A Lambda function (Node.js 24, arm64) running one of the package's prebuilt handler bundles, with its own
 * role, log group and, for asynchronously invoked functions, an on-failure SQS destination.
 *
 * The role is handed to Lambda as an immutable view (`withoutPolicyUpdates()`): constructs that usually
 * grant themselves access (config.CustomRule attaches the broad AWSConfigRulesExecutionRole managed policy,
 * destinations add their own statements) cannot widen it. Every permission is added explicitly on `role`.
 */
export class GuardFunction extends Construct {
  readonly function: lambda.Function;
  /** The prebuilt handler bundle the function runs. */
  readonly handler: LambdaHandlerName;
  /** The function's role; add permissions here, nowhere else. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Failed asynchronous invocations, when `asyncFailureQueue` is set. */
  readonly failureQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: GuardFunctionProps) {
    super(scope, id);
    this.handler = props.handler;
    const code = lambda.Code.fromAsset(requireLambdaBundle(props.handler));

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Only the two calls the runtime makes to ship logs, on this log group only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    if (props.asyncFailureQueue === true) {
      this.failureQueue = new sqs.Queue(this, 'FailedInvocations', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(this.failureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the end of the line: the on-failure destination that keeps failed asynchronous invocations ' +
          'for 14 days for inspection or replay. A dead-letter queue behind it would only move the same messages again.',
      });
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SendFailedInvocations',
          actions: ['sqs:SendMessage'],
          resources: [this.failureQueue.queueArn],
        }),
      );
    }

    this.function = new lambda.Function(this, 'Function', {
      code,
      handler: 'index.handler',
      description: props.description,
      // The newest Node.js runtime the pinned aws-cdk-lib offers; LAMBDA_BUNDLE targets it (node24).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(this.failureQueue === undefined
        ? {}
        : { onFailure: new SqsDestination(this.failureQueue), retryAttempts: 2, maxEventAge: Duration.hours(6) }),
    });
    // The role's inline policy must exist before the function can be invoked.
    this.function.node.addDependency(this.role);
  }
}
