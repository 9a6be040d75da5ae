import { describe, expect, it } from 'vitest';
import { navPages, type SitePage } from '../../../src/core/site-page.js';
import { testSite } from '../../helpers/site.js';

const page = (name: string, draft = false): SitePage => ({
  source: `pages/${name}.md`,
  name,
  title: name,
  summary: '',
  draft,
  html: '',
  renderKey: name,
});

const reasonsFor = (nav: string[], pages: SitePage[]) =>
  navPages({ ...testSite, nav }, pages).problems.map((p) => `${p.field}: ${p.reason}`);

describe('navPages says why site.yaml’s nav cannot name a page', () => {
  it('a draft as a draft, a typo with the page it likely meant, otherwise the pages there are', () => {
    const pages = [page('about'), page('colophon'), page('contact', true)];
    expect(reasonsFor(['about', 'abuot', 'contact', 'faq'], pages)).toEqual([
      'nav: names "abuot", but there is no pages/abuot.md (did you mean about?)',
      'nav: names "contact", but pages/contact.md is a draft (draft: true)',
      'nav: names "faq", but there is no pages/faq.md (the pages: about, colophon)',
    ]);
    expect(navPages({ ...testSite, nav: ['about', 'colophon'] }, pages).nav).toEqual([
      { name: 'about', title: 'about' },
      { name: 'colophon', title: 'colophon' },
    ]);
  });
});
