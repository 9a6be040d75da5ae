import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';
import { parseSiteYaml } from '../../core/site-yaml.js';
import { decodeUtf8 } from '../../core/text.js';

/** Reads and validates `<content>/site.yaml`. */
export async function loadSiteConfig(contentDir: string): Promise<SiteConfig> {
  const path = join(contentDir, 'site.yaml');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(path, [
        `does not exist: run broadsheet in the folder that holds ${basename(contentDir)}/, or pass --content <folder>`,
      ]);
    throw new ConfigError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok)
    throw new ConfigError(path, [`line ${decoded.line} is not valid UTF-8 (save it as UTF-8)`]);
  return parseSiteYaml(decoded.text, path);
}
