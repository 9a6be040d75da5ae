import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '../src/core/errors.js';
import { parseSiteConfig, type SiteConfig } from '../src/core/site.js';

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name like news.example.com',
  );

export const deployConfigSchema = z
  .object({
    /** Where readers find the site; must be the host of base_url in content/site.yaml. */
    siteDomain: hostname,
    /** The digest's From address; must be sender.address in content/site.yaml. */
    senderAddress: z.email({ message: 'must be an email address' }),
    /** The SES identity (a domain, verified with Easy DKIM) that sends the digest. */
    sesIdentity: hostname,
    /** A certificate in us-east-1 for siteDomain; without it the site is served on the CloudFront domain. */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
        'must be an ACM certificate ARN in us-east-1',
      )
      .optional(),
    /** Who is told when an alarm fires. */
    alarmEmail: z.email({ message: 'must be an email address' }).optional(),
    /** owner/name of the GitHub repository allowed to deploy through OIDC. */
    githubRepository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')
      .optional(),
  })
  .strict()
  .refine(
    (c) => c.senderAddress.endsWith(`@${c.sesIdentity}`) || c.senderAddress.endsWith(`.${c.sesIdentity}`),
    {
      message: 'senderAddress must be at the sesIdentity domain (SES only sends from verified identities)',
      path: ['senderAddress'],
    },
  );

export type DeployConfig = z.output<typeof deployConfigSchema>;

/** The example values shipped in cdk.json: enough to synthesize, refused by a deploy. */
export const EXAMPLE_DOMAIN = /(^|\.)example\.(com|org|net)$/;

/** Validates the `broadsheet` context of cdk.json against itself and content/site.yaml. */
export function loadDeployConfig(context: unknown, root: string): { config: DeployConfig; site: SiteConfig } {
  const parsed = deployConfigSchema.safeParse(context);
  if (!parsed.success) {
    throw new ConfigError(
      'cdk.json context "broadsheet"',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(all)'}: ${i.message}`),
    );
  }
  const config = parsed.data;
  const sitePath = join(root, 'content/site.yaml');
  const site = parseSiteConfig(parse(readFileSync(sitePath, 'utf8')), sitePath);
  const problems: string[] = [];
  if (new URL(site.baseUrl).hostname !== config.siteDomain) {
    problems.push(
      `siteDomain "${config.siteDomain}" is not the host of base_url "${site.baseUrl}" in content/site.yaml`,
    );
  }
  if (site.sender.address !== config.senderAddress.toLowerCase()) {
    problems.push(
      `senderAddress "${config.senderAddress}" is not sender.address "${site.sender.address}" in content/site.yaml`,
    );
  }
  if (problems.length > 0) throw new ConfigError('cdk.json context "broadsheet"', problems);
  return { config, site };
}
