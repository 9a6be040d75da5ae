// IAM as deployed: each function's role and the policies attached to it in the template, evaluated with
// @cloud-copilot/iam-simulate for every AWS call the function makes. Remembers which grants (action ×
// resource of an Allow statement) a call needed, so the grants nothing used can be reported.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { IamRequest } from './iam-requests.js';
import { ACCOUNT, props, type Resolver, resourcesOfType, type Template } from './template.js';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}
interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

/** One Allow statement's action and resource pattern: the unit of "used" and "unused". */
export interface Grant {
  readonly role: string;
  readonly sid: string;
  readonly action: string;
  readonly resource: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** AWS's words for a denial. */
  readonly message?: string;
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

export class IamPolicies {
  private readonly documents = new Map<string, PolicyDocument[]>();
  private readonly roleNames = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly cache = new Map<string, Promise<{ allowed: boolean; grants: string[] }>>();
  readonly denials: { role: string; action: string; resource: string }[] = [];

  constructor(template: Template, resolver: Resolver) {
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      this.roleNames.set(id, resolver.ref(id));
      const inline = (props(role).Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
      for (const p of inline) this.attach(id, resolver.resolve(p.PolicyDocument) as PolicyDocument);
      // AWS managed policies the runtime knows by heart: the basic execution role's log grants.
      for (const managed of (resolver.resolve(props(role).ManagedPolicyArns) as string[] | undefined) ?? []) {
        if (managed.endsWith(':policy/service-role/AWSLambdaBasicExecutionRole')) {
          this.attach(id, {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: '*',
              },
            ],
          });
        }
      }
    }
    for (const [, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
      const document = resolver.resolve(props(policy).PolicyDocument) as PolicyDocument;
      for (const role of (props(policy).Roles as { Ref?: string }[] | undefined) ?? []) {
        if (role.Ref) this.attach(role.Ref, document);
      }
    }
  }

  private attach(roleId: string, document: PolicyDocument): void {
    const documents = this.documents.get(roleId) ?? [];
    const index = documents.length;
    // Our own statement ids, so the simulator's explanations say which statement allowed a call.
    const statements = list(document.Statement as unknown as string[]).map((s, i) => ({
      ...(s as unknown as Statement),
      Sid: `P${index}S${i}`,
    }));
    documents.push({ Version: '2012-10-17', Statement: statements });
    this.documents.set(roleId, documents);
  }

  /** The role logical id whose ARN a function's Role property resolves to. */
  roleIdOfArn(arn: string): string | undefined {
    for (const [id, name] of this.roleNames) if (arn.endsWith(`:role/${name}`)) return id;
    return undefined;
  }

  roleName(roleId: string): string {
    return this.roleNames.get(roleId) ?? roleId;
  }

  async authorize(roleId: string, caller: string, requests: readonly IamRequest[]): Promise<Decision> {
    for (const request of requests) {
      const { allowed, grants } = await this.evaluate(roleId, request);
      if (!allowed) {
        this.denials.push({ role: roleId, action: request.action, resource: request.resource });
        return {
          allowed: false,
          message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/${this.roleName(roleId)}/${caller} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`,
        };
      }
      for (const g of grants) this.used.add(g);
    }
    return { allowed: true };
  }

  /** Marks a role's grants for these requests used without deciding anything (what the Lambda service does with the role, e.g. writing logs). */
  async markUsed(roleId: string, requests: readonly IamRequest[]): Promise<void> {
    for (const request of requests) {
      const { allowed, grants } = await this.evaluate(roleId, request);
      if (allowed) for (const g of grants) this.used.add(g);
    }
  }

  private evaluate(roleId: string, request: IamRequest): Promise<{ allowed: boolean; grants: string[] }> {
    const key = `${roleId}\0${request.action}\0${request.resource}\0${JSON.stringify(request.context ?? {})}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.simulate(roleId, request);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async simulate(
    roleId: string,
    request: IamRequest,
  ): Promise<{ allowed: boolean; grants: string[] }> {
    const documents = this.documents.get(roleId) ?? [];
    const result = await runSimulation(
      {
        identityPolicies: documents.map((policy, i) => ({ name: `policy${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          principal: `arn:aws:iam::${ACCOUNT}:role/${this.roleName(roleId)}`,
          action: request.action,
          resource: { resource: request.resource, accountId: ACCOUNT },
          contextVariables: { ...request.context },
        },
      },
      {},
    );
    if (result.resultType === 'error') {
      // An action or resource the simulator does not know: AWS would refuse it too.
      return { allowed: false, grants: [] };
    }
    const allowed = result.overallResult === 'Allowed';
    const analysis = result.resultType === 'single' ? result.result.analysis : undefined;
    const grants: string[] = [];
    for (const statement of analysis?.identityAnalysis?.allowStatements ?? []) {
      const explain = statement.explain as {
        identifier?: string;
        actions?: Explained<{ action: string; matches: boolean }>;
        resources?: Explained<{ resource: string; matches: boolean }>;
      };
      for (const a of explained(explain.actions, { action: request.action, matches: true }))
        for (const r of explained(explain.resources, { resource: request.resource, matches: true }))
          if (a.matches && r.matches)
            grants.push(grantKey(roleId, explain.identifier ?? '', a.action, r.resource));
    }
    return { allowed, grants };
  }

  /** Every Allow grant of the given roles, each action × resource of each statement. */
  grants(roleIds: readonly string[]): Grant[] {
    const out: Grant[] = [];
    for (const role of roleIds) {
      for (const document of this.documents.get(role) ?? []) {
        for (const s of document.Statement) {
          if (s.Effect !== 'Allow') continue;
          for (const action of list(s.Action))
            for (const resource of list(s.Resource)) out.push({ role, sid: s.Sid ?? '', action, resource });
        }
      }
    }
    return out;
  }

  unused(roleIds: readonly string[]): Grant[] {
    return this.grants(roleIds).filter((g) => !this.used.has(grantKey(g.role, g.sid, g.action, g.resource)));
  }
}

// The simulator explains a single-valued Action or Resource as one object, a list as an array.
type Explained<T> = T | T[] | undefined;
const explained = <T>(value: Explained<T>, fallback: T): T[] =>
  value === undefined ? [fallback] : Array.isArray(value) ? value : [value];

const grantKey = (role: string, sid: string, action: string, resource: string) =>
  `${role}\0${sid}\0${action}\0${resource}`;
