import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import { parseSiteConfig, type SiteConfig } from '../../core/site.js';

/** Reads and validates `<content>/site.yaml`. */
export async function loadSiteConfig(contentDir: string): Promise<SiteConfig> {
  const path = join(contentDir, 'site.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(path, [`invalid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseSiteConfig(data, path);
}
