import { createHash } from 'node:crypto';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * A construct that groups one concern of the stack (storage, queues, …). It is left out of logical IDs, so
 * a resource keeps the ID it had when the stack was one flat file: moving it into a concern replaces
 * nothing on deploy (a bucket or table with a new logical ID would be a new, empty one).
 */
export class Concern extends Construct {}

/**
 * CloudFormation logical IDs as CDK makes them (path components without "Default", consecutive repeats
 * merged, "Resource" hidden from the readable part, then the first 8 hex digits of the path's MD5), with
 * the concerns taken out of the path. A stack test checks this against CDK's own rule.
 */
export function logicalIdOf(components: readonly string[]): string {
  const path = components.filter((c) => c !== 'Default');
  if (path.length === 0) throw new Error('a logical ID needs at least one path component');
  const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (path.length === 1 && alphanumeric(path[0] as string).length <= 255)
    return alphanumeric(path[0] as string);
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const readable: string[] = [];
  for (const c of path)
    if (readable.length === 0 || !readable[readable.length - 1]?.endsWith(c)) readable.push(c);
  return (
    readable
      .filter((c) => c !== 'Resource')
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
}

/** A stack whose logical IDs skip `Concern` constructs, refusing two resources that would share one. */
export class FlatIdStack extends Stack {
  private readonly pathsById = new Map<string, string>();

  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const below = scopes.slice(scopes.indexOf(this) + 1);
    const id = logicalIdOf(below.filter((s) => !(s instanceof Concern)).map((s) => s.node.id));
    const path = element.node.path;
    const earlier = this.pathsById.get(id);
    if (earlier !== undefined && earlier !== path)
      throw new Error(`logical ID ${id} would name both ${earlier} and ${path}: rename one of them`);
    this.pathsById.set(id, path);
    return id;
  }
}
