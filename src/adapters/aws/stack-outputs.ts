import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';

/** What an operator command needs of a deployed stack: its CloudFormation outputs (infra/stack.ts). */
export interface StackOutputs {
  readonly TableName: string;
  readonly ContentBucketName: string;
}

const outputsFile = z.record(z.string(), z.record(z.string(), z.string()));
const needed = z.object({ TableName: z.string().min(1), ContentBucketName: z.string().min(1) });

/**
 * The outputs of stack `name` from the file `cdk deploy --outputs-file` writes (`npm run deploy` writes
 * cdk-outputs.json): no CloudFormation call, so it works with the local AWS too.
 */
export async function readStackOutputs(file: string, name: string): Promise<StackOutputs> {
  const fix = `deploy with \`npm run deploy\` (it writes cdk-outputs.json), or give the file with --outputs <file>`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(`--stack ${name}`, [`${file} cannot be read: ${fix}`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`is not JSON: ${(error as Error).message}`]);
  }
  const stacks = outputsFile.safeParse(data);
  if (!stacks.success)
    throw new ConfigError(file, ['is not a CDK outputs file ({ stack: { output: value } })']);
  const outputs = stacks.data[name];
  if (!outputs)
    throw new ConfigError(`--stack ${name}`, [
      `${file} has no stack "${name}" (it has: ${Object.keys(stacks.data).join(', ') || 'none'})`,
    ]);
  const parsed = needed.safeParse(outputs);
  if (!parsed.success)
    throw new ConfigError(`--stack ${name}`, [
      `${file} lacks ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} for this stack: ${fix}`,
    ]);
  return parsed.data;
}
