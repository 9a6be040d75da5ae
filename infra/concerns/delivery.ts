import { Duration, Fn } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../../src/core/site.js';
import type { DeployConfig } from '../config.js';
import { contentSecurityPolicy } from '../csp.js';
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
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SiteHeaders', {
      comment: 'Broadsheet: the security headers, and a CSP that lets no script run',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({
            siteUrl: props.site.baseUrl,
            apiUrl: props.site.apiUrl,
          }),
          override: true,
        },
        // The rest as CloudFront's managed SecurityHeadersPolicy sets them, but frames refused outright.
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: false,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    // /posts/x/ → /posts/x/index.html: S3 has no index documents behind an origin access control.
    const indexRewrite = new cloudfront.Function(this, 'IndexRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.endsWith('/')) r.uri += 'index.html'; return r; }",
      ),
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
        responseHeadersPolicy: headers,
        functionAssociations: [
          { function: indexRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      defaultRootObject: 'index.html',
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
      ],
      ...(certificate
        ? {
            certificate,
            domainNames: [config.siteDomain],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
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
      // The API's pages (confirm, preferences, unsubscribe) ship no script either.
      responseHeadersPolicy: headers,
    });

    this.siteUrl = config.certificateArn
      ? `https://${config.siteDomain}`
      : `https://${this.distribution.distributionDomainName}`;
  }
}
