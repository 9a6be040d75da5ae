import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface BroadsheetFunctionProps {
  /** functions/<name>.ts */
  readonly name: string;
  readonly root: string;
  readonly environment: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** A fixed name, for a function others must address before it exists (the scheduler's target). */
  readonly functionName?: string;
  /**
   * For a function invoked asynchronously (EventBridge, SNS, Scheduler): where an event goes once Lambda's
   * retries are spent, and how long an event may wait for them.
   */
  readonly asyncFailures?: { readonly queue: sqs.IQueue; readonly maxEventAge: Duration };
}

/**
 * The defaults every Broadsheet function shares: the latest Node.js on arm64, an esbuild bundle (minified,
 * with source maps, from the local esbuild: no Docker), its own log group with a retention, and a role that
 * starts with nothing but writing to that log group — each function is then granted exactly what it uses.
 * No reserved concurrency: a queue-driven function is limited by its event source mapping's maximum
 * concurrency (reserved concurrency behind SQS throttles batches back into the queue until they reach the
 * dead-letter queue unprocessed).
 */
export class BroadsheetFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BroadsheetFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Broadsheet ${props.name} function`,
    });
    // The log group's ARN ends in `:*`, which covers every log stream in it: no second, wider resource.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${props.root}/functions/${props.name}.ts`,
      handler: 'handler',
      ...(props.functionName ? { functionName: props.functionName } : {}),
      projectRoot: props.root,
      depsLockFilePath: `${props.root}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      ...(props.asyncFailures
        ? {
            onFailure: new destinations.SqsDestination(props.asyncFailures.queue),
            retryAttempts: 2,
            maxEventAge: props.asyncFailures.maxEventAge,
          }
        : {}),
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'broadsheet',
        POWERTOOLS_METRICS_NAMESPACE: 'Broadsheet',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.ESM,
        target: 'node24',
        // The Lambda runtime carries the AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}
