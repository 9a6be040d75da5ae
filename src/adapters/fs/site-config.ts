import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';
import { parseSiteYaml } from '../../core/site-yaml.js';

/** Reads and validates `<content>/site.yaml`. */
export async function loadSiteConfig(contentDir: string): Promise<SiteConfig> {
  const path = join(contentDir, 'site.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseSiteYaml(text, path);
}
