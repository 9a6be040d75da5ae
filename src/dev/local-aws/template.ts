// The synthesized CloudFormation template, read generically: resources by type, and CloudFormation's
// intrinsic functions resolved to the local names, ARNs and URLs the emulators give each resource.
import * as z from 'zod';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).optional(),
  DependsOn: z.unknown().optional(),
  Metadata: z.unknown().optional(),
});
export const templateSchema = z.object({
  Resources: z.record(z.string(), resourceSchema),
  Parameters: z.record(z.string(), z.object({ Default: z.unknown().optional() }).loose()).optional(),
  Outputs: z.record(z.string(), z.object({ Value: z.unknown() }).loose()).optional(),
});
export type Template = z.output<typeof templateSchema>;
export type TemplateResource = Template['Resources'][string];

/** What a resource is called locally: its Ref value and its Fn::GetAtt attributes. */
export interface LocalIdentity {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Resources of one type, by logical id, in template order. */
export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function props(resource: TemplateResource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/**
 * Resolves intrinsic functions against the local identities of the template's resources. Unknown
 * references fail with the logical id named, so a template the runtime cannot stand up says why.
 */
export class Resolver {
  constructor(
    private readonly identities: ReadonlyMap<string, LocalIdentity>,
    private readonly parameters: Readonly<Record<string, string>> = {},
    private readonly stackName = 'Broadsheet',
  ) {}

  identity(logicalId: string): LocalIdentity {
    const found = this.identities.get(logicalId);
    if (!found) throw new TemplateError(`no local resource for logical id ${logicalId}`);
    return found;
  }

  ref(name: string): string {
    switch (name) {
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${this.stackName}/local`;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return '';
    }
    const parameter = this.parameters[name];
    if (parameter !== undefined) return parameter;
    return this.identity(name).ref;
  }

  getAtt(logicalId: string, attribute: string): string {
    const value = this.identity(logicalId).attributes[attribute];
    if (value === undefined) throw new TemplateError(`${logicalId} has no local attribute ${attribute}`);
    return value;
  }

  /** Any template value with its intrinsics replaced by strings. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** A value that must come out as a string (a name, an ARN, an environment variable). */
  string(value: unknown, where: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    if (typeof resolved !== 'string')
      throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private intrinsic(name: string, arg: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(String(id), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown];
        const list = this.resolve(parts);
        if (!Array.isArray(list)) throw new TemplateError('Fn::Join needs a list');
        return list.map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const resolved = this.resolve(list);
        if (!Array.isArray(resolved)) throw new TemplateError('Fn::Select needs a list');
        return resolved[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return String(this.resolve(source)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_all, key: string) => {
          if (key in variables) return String(this.resolve(variables[key]));
          const [id, attribute] = key.split(/\.(.*)/s);
          return attribute ? this.getAtt(String(id), attribute) : this.ref(key);
        });
      }
      case 'Fn::GetAZs':
        return [`${REGION}a`, `${REGION}b`];
      default:
        throw new TemplateError(`intrinsic ${name} is not supported locally`);
    }
  }
}

/** CloudFormation's dynamic references to secrets, {{resolve:secretsmanager:<id>:SecretString:…}}. */
export function resolveDynamicReferences(text: string, secretValue: (id: string) => string): string {
  return text.replace(
    /\{\{resolve:secretsmanager:(.+?):SecretString:([^:}]*):?[^}]*\}\}/g,
    (_all, id: string, key: string) => {
      const value = secretValue(id);
      if (!key) return value;
      const parsed = JSON.parse(value) as Record<string, unknown>;
      return String(parsed[key] ?? '');
    },
  );
}
