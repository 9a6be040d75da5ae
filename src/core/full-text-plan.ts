import type { ArticleMeta } from './article.js';
import { composeDigest, previewLinks } from './digest.js';
import { fitFullText } from './full-text.js';
import type { DigestRecord } from './ports.js';
import type { SiteConfig } from './site.js';
import type { Theme } from './theme.js';

/**
 * The bodies a full-text digest carries (`digest.content: full`), measured as the composed HTML part:
 * what would pass Gmail's clip gives way to summary and link, article by article from the oldest.
 */
export function planFullText(
  id: string,
  articles: readonly ArticleMeta[],
  bodyOf: ReadonlyMap<string, string>,
  site: SiteConfig,
  /** What the digest renders with, so the size measured is the size sent; the bundled theme if absent. */
  theme?: Theme,
): Required<Pick<DigestRecord, 'bodies' | 'shortened'>> {
  const links = previewLinks(site);
  return fitFullText(articles, bodyOf, (bodies) =>
    Buffer.byteLength(composeDigest({ id, articles, bodies }, site, 'instant', theme).html(links), 'utf8'),
  );
}
