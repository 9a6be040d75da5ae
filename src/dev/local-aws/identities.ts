// What each resource of the template is called locally: the value `Ref` gives and the attributes
// `Fn::GetAtt` gives, as CloudFormation would have named them (the stack name and the logical id, where
// the template does not name the resource itself).
import { createHash } from 'node:crypto';
import { ACCOUNT, type LocalIdentity, PARTITION, props, REGION, type Template } from './template.js';

export interface LocalEndpoints {
  /** Base URL of the SQS emulator's queue URLs (…/<account>/<name>). */
  readonly sqsQueueBase: string;
  /** Each HTTP API's local URL, by logical id. */
  readonly apis: ReadonlyMap<string, string>;
  readonly cloudfront: string;
}

const arn = (service: string, resource: string) =>
  `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
const suffix = (id: string, n = 12) =>
  createHash('sha256').update(id).digest('hex').slice(0, n).toUpperCase();

/** CloudFormation's generated physical names: stack-LogicalId-SUFFIX, shortened where AWS limits length. */
function generated(stack: string, id: string, max: number, lower = false): string {
  const name = `${stack}-${id}-${suffix(id)}`.slice(0, max);
  return lower ? name.toLowerCase() : name;
}

export function localIdentities(
  template: Template,
  stackName: string,
  endpoints: LocalEndpoints,
): Map<string, LocalIdentity> {
  const out = new Map<string, LocalIdentity>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = props(resource);
    const given = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
    switch (resource.Type) {
      case 'AWS::S3::Bucket': {
        const name = given('BucketName') ?? generated(stack(stackName), id, 63, true);
        out.set(id, {
          ref: name,
          attributes: {
            Arn: `arn:${PARTITION}:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${REGION}.amazonaws.com`,
            WebsiteURL: `http://${name}.s3-website-${REGION}.amazonaws.com`,
          },
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = given('QueueName') ?? generated(stackName, id, 80);
        out.set(id, {
          ref: `${endpoints.sqsQueueBase}/${ACCOUNT}/${name}`,
          attributes: {
            Arn: arn('sqs', name),
            QueueName: name,
            QueueUrl: `${endpoints.sqsQueueBase}/${ACCOUNT}/${name}`,
          },
        });
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = given('TopicName') ?? generated(stackName, id, 256);
        out.set(id, { ref: arn('sns', name), attributes: { TopicArn: arn('sns', name), TopicName: name } });
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const name = given('TableName') ?? generated(stackName, id, 255);
        out.set(id, {
          ref: name,
          attributes: {
            Arn: arn('dynamodb', `table/${name}`),
            StreamArn: arn('dynamodb', `table/${name}/stream/local`),
          },
        });
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = given('FunctionName') ?? generated(stackName, id, 64);
        out.set(id, { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } });
        break;
      }
      case 'AWS::IAM::Role': {
        const name = given('RoleName') ?? generated(stackName, id, 64);
        out.set(id, {
          ref: name,
          attributes: {
            Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`,
            RoleId: `AROA${suffix(id, 17)}`,
          },
        });
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const name = given('Name') ?? `${id}-${suffix(id, 12)}`;
        const secretArn = arn('secretsmanager', `secret:${name}-${suffix(name, 6).toLowerCase()}`);
        out.set(id, { ref: secretArn, attributes: { Id: secretArn } });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = given('LogGroupName') ?? generated(stackName, id, 512);
        out.set(id, { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } });
        break;
      }
      case 'AWS::ApiGatewayV2::Api': {
        const apiId = suffix(id, 10).toLowerCase();
        out.set(id, { ref: apiId, attributes: { ApiEndpoint: endpoints.apis.get(id) ?? '', ApiId: apiId } });
        break;
      }
      case 'AWS::CloudFront::Distribution': {
        const host = new URL(endpoints.cloudfront).host;
        out.set(id, {
          ref: `E${suffix(id, 13)}`,
          attributes: { DomainName: host, Id: `E${suffix(id, 13)}` },
        });
        break;
      }
      case 'AWS::CloudFront::Function': {
        const name = given('Name') ?? id;
        out.set(id, {
          ref: name,
          attributes: {
            FunctionARN: `arn:${PARTITION}:cloudfront::${ACCOUNT}:function/${name}`,
            Stage: 'LIVE',
          },
        });
        break;
      }
      case 'AWS::SES::ConfigurationSet':
        out.set(id, { ref: given('Name') ?? generated(stackName, id, 64), attributes: {} });
        break;
      case 'AWS::SES::EmailIdentity':
        out.set(id, { ref: given('EmailIdentity') ?? id, attributes: {} });
        break;
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = given('Name') ?? generated(stackName, id, 64);
        out.set(id, { ref: name, attributes: { Arn: arn('scheduler', `schedule-group/${name}`) } });
        break;
      }
      case 'AWS::Events::Rule': {
        const name = given('Name') ?? generated(stackName, id, 64);
        out.set(id, { ref: name, attributes: { Arn: arn('events', `rule/${name}`) } });
        break;
      }
      case 'AWS::KMS::Key':
        out.set(id, {
          ref: suffix(id, 32).toLowerCase(),
          attributes: {
            Arn: arn('kms', `key/${suffix(id, 32).toLowerCase()}`),
            KeyId: suffix(id, 32).toLowerCase(),
          },
        });
        break;
      default:
        // Resources the local AWS does not stand up still have names, so references to them resolve.
        out.set(id, {
          ref: id,
          attributes: new Proxy({} as Record<string, string>, {
            get: (_t, key) => (typeof key === 'string' ? `${id}.${key}` : undefined),
          }),
        });
    }
  }
  return out;
}

const stack = (name: string) => name.toLowerCase();
