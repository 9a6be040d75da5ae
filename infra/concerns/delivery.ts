import { Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConfigError } from '../../src/core/errors.js';
import type { SiteConfig } from '../../src/core/site.js';
import type { DeployConfig } from '../config.js';
import { contentSecurityPolicy } from '../csp.js';
import { INDEX_REWRITE } from '../index-rewrite.js';
import { Concern } from '../logical-ids.js';

export interface DeliveryProps {
  readonly config: DeployConfig;
  /** content/site.yaml: where the site and its API say they live. */
  readonly site: SiteConfig;
  readonly siteBucket: s3.IBucket;
  readonly accessLogs: s3.IBucket;
  readonly api: apigw.IHttpApi;
  readonly originSecret: secretsmanager.ISecret;
}

/**
 * CloudFront in front of the site bucket (origin access control, HTTPS, security headers, directory URLs)
 * and of the subscription API under the same domain at /api/*.
 */
export class Delivery extends Concern {
  readonly distribution: cloudfront.Distribution;
  /** https://<domain>, the custom one when a certificate is configured. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { config, accessLogs, api, originSecret } = props;
    const csp = contentSecurityPolicy({ siteUrl: props.site.baseUrl, apiUrl: props.site.apiUrl });
    const headers = (id: string, referrerPolicy: cloudfront.HeadersReferrerPolicy, comment: string) =>
      new cloudfront.ResponseHeadersPolicy(this, id, {
        comment,
        securityHeadersBehavior: {
          contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
          // The rest as CloudFront's managed SecurityHeadersPolicy sets them, but frames refused outright.
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
          referrerPolicy: { referrerPolicy, override: true },
          strictTransportSecurity: {
            accessControlMaxAge: Duration.days(365),
            includeSubdomains: false,
            override: true,
          },
          xssProtection: { protection: true, modeBlock: true, override: true },
        },
      });
    const siteHeaders = headers(
      'SiteHeaders',
      cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
      'Broadsheet site: the security headers, and a CSP that lets no script run but the feed preview',
    );
    // An API page's URL may carry a signed token (confirm, preferences, unsubscribe): it must not travel on
    // as a Referer, to the stylesheet request (and so into the access logs) or anywhere else.
    const apiHeaders = headers(
      'ApiHeaders',
      cloudfront.HeadersReferrerPolicy.NO_REFERRER,
      'Broadsheet API pages: as the site, and no Referer (their URLs carry tokens)',
    );
    // /posts/x/ → /posts/x/index.html, /about → /about/ (index-rewrite.ts).
    const indexRewrite = new cloudfront.Function(this, 'IndexRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(INDEX_REWRITE),
    });
    const certificate = config.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn)
      : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(props.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: siteHeaders,
        functionAssociations: [
          { function: indexRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      defaultRootObject: 'index.html',
      // The bucket answers a missing key with 403 (CloudFront may not list it): that is the site's 404.
      // Error responses apply to every origin, so none is set for 404: the API answers 404 with a page of
      // its own (a preferences link of someone no longer subscribed), which the site's 404 would replace.
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
      ],
      ...(certificate
        ? {
            certificate,
            domainNames: [config.siteDomain],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      // Access logs: standard logging v2 below, which can leave the query string out (legacy logging cannot).
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });

    // Served under the site's own domain (/api/*), so forms post to the same origin and links look local.
    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', api.apiEndpoint)), {
      // A dynamic reference: the value never appears in the template.
      customHeaders: { 'X-Broadsheet-Origin': originSecret.secretValue.unsafeUnwrap() },
    });
    // What the API needs and nothing else: the form's type, the query (tokens) and who is asking.
    const apiRequests = new cloudfront.OriginRequestPolicy(this, 'ApiOriginRequests', {
      comment: 'Broadsheet API: Content-Type, the reader address and the query string',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(
        'Content-Type',
        'CloudFront-Viewer-Address',
      ),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    this.distribution.addBehavior('/api/*', apiOrigin, {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: apiRequests,
      responseHeadersPolicy: apiHeaders,
    });

    this.accessLogging(accessLogs);

    this.siteUrl = config.certificateArn
      ? `https://${config.siteDomain}`
      : `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * CloudFront standard logging (v2) into the access-log bucket, with every field but the query string and
   * cookies: links in mail carry signed tokens in the query (/api/confirm?token=…), and legacy logging
   * can only log every field. Logging is per distribution, not per behaviour, so /api/* cannot be left out
   * on its own; leaving out the field keeps the rest of /api/* traffic visible. CloudFront's log delivery
   * lives in us-east-1.
   */
  private accessLogging(bucket: s3.IBucket): void {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && stack.region !== 'us-east-1') {
      throw new ConfigError('stack region', [
        `${stack.region}: CloudFront delivers its access logs only from us-east-1; deploy with CDK_DEFAULT_REGION=us-east-1`,
      ]);
    }
    const source = new logs.CfnDeliverySource(this, 'AccessLogSource', {
      name: `${stack.stackName}-cloudfront`,
      logType: 'ACCESS_LOGS',
      resourceArn: this.distribution.distributionArn,
    });
    // CloudWatch Logs' delivery service writes the files; only for this delivery source, in this account.
    const fromThisSource = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': source.attrArn },
    };
    const principal = new iam.ServicePrincipal('delivery.logs.amazonaws.com');
    const write = bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [principal],
        actions: ['s3:PutObject'],
        // Any key: where the files land under the suffix path is the delivery's to choose; the conditions
        // hold the grant to this one delivery source.
        resources: [bucket.arnForObjects('*')],
        conditions: {
          ...fromThisSource,
          StringEquals: { ...fromThisSource.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [principal],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: fromThisSource,
      }),
    );
    const destination = new logs.CfnDeliveryDestination(this, 'AccessLogDestination', {
      name: `${stack.stackName}-cloudfront-logs`,
      destinationResourceArn: bucket.bucketArn,
      outputFormat: 'w3c',
    });
    const delivery = new logs.CfnDelivery(this, 'AccessLogDelivery', {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.attrArn,
      recordFields: [...CLOUDFRONT_LOG_FIELDS],
      s3SuffixPath: `${ACCESS_LOG_PREFIX}/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}`,
    });
    delivery.addResourceDependency(source);
    if (write.policyDependable) delivery.node.addDependency(write.policyDependable);
  }
}

/** Where CloudFront's logs go in the access-log bucket (beside content/ and site/ from S3). */
const ACCESS_LOG_PREFIX = 'cloudfront';

/**
 * Every CloudFront log field except cs-uri-query (signed tokens) and cs(Cookie). The Referer stays: the
 * API's pages send none (Referrer-Policy: no-referrer), so no page with a token in its URL shows up here.
 */
export const CLOUDFRONT_LOG_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'c-ip',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'x-forwarded-for',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'c-port',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
] as const;
