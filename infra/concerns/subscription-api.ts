import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwIntegrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PUBLISHED_THEME_KEY } from '../../src/adapters/aws/published-theme.js';
import { SITE_JSON_KEY } from '../../src/adapters/aws/site-json.js';
import { BroadsheetFunction } from '../function.js';
import { Concern } from '../logical-ids.js';
import type { Email } from './email.js';
import { allow, allowFindingMissing, allowItems } from './grants.js';
import type { Storage } from './storage.js';

/**
 * What the API's access log keeps of each request: the route, never the query string (links carry signed
 * tokens there), and no address (the caller is CloudFront's edge, the reader's own address is not ours to
 * keep).
 */
export const API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  route: '$context.routeKey',
  status: '$context.status',
  bytes: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

export interface SubscriptionApiProps {
  readonly root: string;
  readonly storage: Storage;
  readonly email: Email;
  readonly tokenSecret: secretsmanager.ISecret;
}

/**
 * Subscribe, confirm, preferences and one-click unsubscribe: an HTTP API with one function, throttled, with
 * access logs. CloudFront serves it under the site's own /api (see Delivery) and proves it with a secret
 * header.
 */
export class SubscriptionApi extends Concern {
  readonly api: apigw.HttpApi;
  readonly subscribe: BroadsheetFunction;
  /** CloudFront sends this with every API request; with it the function may believe CloudFront-Viewer-Address. */
  readonly originSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: SubscriptionApiProps) {
    super(scope, id);
    const { root, storage, email, tokenSecret } = props;
    const { content, table } = storage;

    // With the secret the function may believe CloudFront-Viewer-Address (the reader's address, for the
    // per-client limit) instead of seeing every reader as the edge.
    this.originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      description: 'Proves a request to the Broadsheet API came through CloudFront',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    this.subscribe = new BroadsheetFunction(this, 'Subscribe', {
      name: 'subscribe',
      root,
      environment: {
        CONTENT_BUCKET: content.bucketName,
        SITE_BUCKET: storage.site.bucketName,
        TABLE_NAME: table.tableName,
        TOKEN_SECRET_ARN: tokenSecret.secretArn,
        ORIGIN_SECRET_ARN: this.originSecret.secretArn,
        SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
      },
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    // The settings, and the theme the last publish handed on (its pages and emails use the site's templates).
    allow(
      this.subscribe,
      ['s3:GetObject'],
      [content.arnForObjects(SITE_JSON_KEY), content.arnForObjects(PUBLISHED_THEME_KEY)],
    );
    // So that a theme not published yet is a 404, and a 403 a real refusal (src/adapters/aws/published-theme.ts).
    allowFindingMissing(this.subscribe, content, [PUBLISHED_THEME_KEY]);
    allow(
      this.subscribe,
      ['secretsmanager:GetSecretValue'],
      [tokenSecret.secretArn, this.originSecret.secretArn],
    );
    // Subscribers, and the attempt counters that limit signups (limit#<key>#<window>).
    allowItems(this.subscribe, ['dynamodb:GetItem', 'dynamodb:PutItem'], table.tableArn, ['subscriber#*']);
    allowItems(this.subscribe, ['dynamodb:UpdateItem'], table.tableArn, ['limit#*']);
    email.grantSending(this.subscribe.role);

    const apiLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Broadsheet subscribe, confirm, preferences and unsubscribe',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Signups are rare; a flood is an attack. Per-address and per-client limits sit behind this.
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(apiLogs),
        format: AccessLogFormat.custom(JSON.stringify(API_ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new apigwIntegrations.HttpLambdaIntegration(
      'SubscribeIntegration',
      this.subscribe.fn,
    );
    this.api.addRoutes({ path: '/api/subscribe', methods: [apigw.HttpMethod.POST], integration });
    // GET shows a page, POST acts: link scanners fetch URLs from emails and must not change anything.
    for (const path of ['/api/confirm', '/api/preferences', '/api/unsubscribe']) {
      this.api.addRoutes({ path, methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST], integration });
    }
  }
}
