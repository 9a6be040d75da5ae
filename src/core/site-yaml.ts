import { parse } from 'yaml';
import { ConfigError } from './errors.js';
import { parseSiteConfig, type SiteConfig } from './site.js';

/** site.yaml's text → a validated SiteConfig; `source` names the file in every error. */
export function parseSiteYaml(text: string, source: string): SiteConfig {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(source, [`invalid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseSiteConfig(data, source);
}
