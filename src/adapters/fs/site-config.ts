import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';
import { parseSiteYaml } from '../../core/site-yaml.js';
import { decodeUtf8 } from '../../core/text.js';

/**
 * Reads and validates `<content>/site.yaml`. `contentGiven`: the folder was named (--content), so a missing
 * site.yaml is that folder's, not a matter of where the command runs.
 */
export async function loadSiteConfig(
  contentDir: string,
  { contentGiven = false }: { contentGiven?: boolean } = {},
): Promise<SiteConfig> {
  const path = join(contentDir, 'site.yaml');
  // Named as the operator would type it: relative to where they run the command, unless it lies outside.
  const near = relative(process.cwd(), path);
  const shown = near.startsWith('..') || isAbsolute(near) ? path : near;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(shown, [
        contentGiven
          ? `does not exist: --content names the folder that holds site.yaml and posts/ (${basename(contentDir)}/ holds no site.yaml)`
          : `does not exist: run broadsheet in the folder that holds ${basename(contentDir)}/, or pass --content <folder>`,
      ]);
    throw new ConfigError(shown, [`cannot be read: ${(error as Error).message}`]);
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok)
    throw new ConfigError(shown, [`line ${decoded.line} is not valid UTF-8 (save it as UTF-8)`]);
  return parseSiteYaml(decoded.text, shown);
}
