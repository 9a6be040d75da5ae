import GithubSlugger from 'github-slugger';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { htmlToText } from './text.js';

/** Where links in an article resolve: root-relative and relative paths against the site, `#x` against the page. */
export interface LinkBase {
  readonly baseUrl: string;
  readonly pageUrl: string;
}

const slugger = new GithubSlugger();

const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    heading({ tokens, depth }) {
      const inner = this.parser.parseInline(tokens);
      return `<h${depth} id="${slugger.slug(htmlToText(inner))}">${inner}</h${depth}>\n`;
    },
  },
});

/** Makes a link target absolute so it works the same in a page, a feed reader and an email client. */
export function absoluteUrl(target: string, base: LinkBase): string {
  const value = target.trim();
  if (value === '') return value;
  if (value.startsWith('#')) return `${base.pageUrl}${value}`;
  if (value.startsWith('/') && !value.startsWith('//')) return `${base.baseUrl}${value}`;
  if (URL.canParse(value)) return value; // has a scheme: the allowlist decides whether it stays
  return URL.canParse(value, `${base.baseUrl}/`) ? new URL(value, `${base.baseUrl}/`).href : value;
}

function sanitizeOptions(base: LinkBase): sanitizeHtml.IOptions {
  const absolutize =
    (attribute: string): sanitizeHtml.Transformer =>
    (tagName, attribs) => {
      const value = attribs[attribute];
      return {
        tagName,
        attribs: value === undefined ? attribs : { ...attribs, [attribute]: absoluteUrl(value, base) },
      };
    };
  return {
    allowedTags: [
      'p',
      'br',
      'hr',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'blockquote',
      'pre',
      'code',
      'kbd',
      'samp',
      'em',
      'strong',
      'del',
      's',
      'ins',
      'mark',
      'sup',
      'sub',
      'small',
      'abbr',
      'q',
      'cite',
      'a',
      'img',
      'ul',
      'ol',
      'li',
      'dl',
      'dt',
      'dd',
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'th',
      'td',
      'figure',
      'figcaption',
      'details',
      'summary',
      'input',
    ],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      h1: ['id'],
      h2: ['id'],
      h3: ['id'],
      h4: ['id'],
      h5: ['id'],
      h6: ['id'],
      code: ['class'],
      ol: ['start'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      abbr: ['title'],
      // GFM task lists render as disabled checkboxes; nothing else about inputs is allowed.
      input: ['type', 'checked', 'disabled'],
    },
    allowedClasses: { code: ['language-*'] },
    allowedSchemes: ['https', 'http', 'mailto'],
    allowedSchemesByTag: { img: ['https', 'http'] },
    allowProtocolRelative: false,
    transformTags: { a: absolutize('href'), img: absolutize('src') },
    exclusiveFilter: (frame) =>
      (frame.tag === 'img' && !frame.attribs.src) ||
      (frame.tag === 'input' && frame.attribs.type !== 'checkbox'),
  };
}

/** Markdown (GFM) → HTML that is safe to put in a page, a feed or an email, with absolute links. */
export function renderMarkdown(source: string, base: LinkBase): string {
  slugger.reset();
  const raw = markdown.parse(source) as string;
  return sanitizeHtml(raw, sanitizeOptions(base)).trim();
}

/** The text of the first paragraph, for articles that give no summary. */
export function firstParagraphText(html: string): string {
  const match = /<p>([\s\S]*?)<\/p>/.exec(html);
  return match?.[1] === undefined ? '' : htmlToText(match[1]);
}
