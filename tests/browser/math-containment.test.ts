// Math cannot draw over the page: the default theme gives <math> `contain: paint`, and the sanitizer keeps no
// CSS on <math> itself. Each case is an author's attempt to cover the rest of the page (found by review):
// raw MathML whose sizes multiply when nested, and TeX's own \\rule, \\kern and \\raisebox. Checked in
// Debian's Chromium with the theme's stylesheet, by what a reader's click would land on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAllMarkdown, renderMarkdown } from '../../src/core/render.js';
import { launchChromium } from '../helpers/chromium.js';
import { repoRoot } from '../helpers/cli.js';

const STYLE = readFileSync(join(repoRoot, 'themes/default/style.css'), 'utf8');
const base = { baseUrl: 'https://x.example', pageUrl: 'https://x.example/p/' };

const OVERLAYS: Record<string, string> = {
  abs: '<math><mrow style="position:absolute;left:0;bottom:0;width:100%;height:100%;background-color:white"><mi>x</mi></mrow></math>',
  abs2: '<math style="display:block;position:absolute;left:0;bottom:0;width:100%;height:100%;background-color:white"><mi>x</mi></math>',
  padpct:
    '<math><mrow style="display:block;padding:100% 0 0 0;background-color:white;margin-left:-9em"><mi>x</mi></mrow></math>',
  mathsize:
    '<math><mpadded width="0" height="0" depth="0"><mstyle mathsize="9em"><mstyle mathsize="9em"><mstyle mathsize="9em"><mspace width="9em" height="9em" mathbackground="white"></mspace></mstyle></mstyle></mstyle></mpadded></math>',
  scriptlevel:
    '<math><mpadded width="0" height="0" depth="0"><mstyle scriptlevel="-20"><mspace width="9em" height="9em" mathbackground="white"></mspace></mstyle></mpadded></math>',
  vo20: '<math><mpadded height="0" depth="0" width="0"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mpadded voffset="-9em"><mspace width="9em" height="9em" mathbackground="white"></mspace></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></mpadded></math>',
  relsize:
    '<math><mpadded width="0" height="0" depth="0" style="position:relative"><mstyle mathsize="9em"><mstyle mathsize="9em"><mspace width="9em" depth="9em" mathbackground="white"></mspace></mstyle></mstyle></mpadded></math>',
  relscript:
    '<math><mpadded width="0" height="0" depth="0" style="position:relative"><mstyle scriptlevel="-9"><mspace width="9em" depth="9em" mathbackground="white"></mspace></mstyle></mpadded></math>',
  styledims:
    '<math><mpadded width="0" height="0" depth="0"><mstyle mathsize="9em"><mstyle mathsize="9em"><mrow style="display:block;width:9em;height:9em;background-color:white"></mrow></mstyle></mstyle></mpadded></math>',
  tex_rule: '$\\color{white}\\rule{50em}{0em}\\rule[-100em]{50em}{100em}$',
  tex_kern: '$\\kern-100em x$',
  tex_raise: '$\\raisebox{-100em}{\\colorbox{white}{\\rule{60em}{60em}}}$',
  tex_smash: 'Lead line.\n\n$\\smash{\\rlap{\\colorbox{white}{\\rule[-40em]{45em}{40em}}}}$\n\nMore.',
  tex_llap: '$\\llap{\\colorbox{white}{\\rule[-40em]{45em}{40em}}}x$',
  tex_smash_raw: '<b>raw</b> $\\smash{\\rlap{\\colorbox{white}{\\rule[-40em]{45em}{40em}}}}$',
};

let browser: Browser;

beforeAll(async () => {
  await prepareAllMarkdown();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Ids of the page's own elements that a point in their middle does not reach (something covers it). */
async function covered(body: string, css: string): Promise<string[]> {
  const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
  try {
    const after = Array.from({ length: 4 }, (_, i) => `<p id="after${i}">Paragraph after, ${i}.</p>`).join(
      '',
    );
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>t</title><style>${css}</style></head><body><header id="header">Site</header><main><p id="before">Paragraph before.</p><article>${body}</article>${after}</main><footer id="footer">Footer</footer></body></html>`,
    );
    // A string: the test is compiled without the DOM's types.
    return (await page.evaluate(`
      ['header', 'before', 'after0', 'after1', 'after2', 'after3', 'footer'].filter((id) => {
        const element = document.getElementById(id);
        element.scrollIntoView({ block: 'center' });
        const box = element.getBoundingClientRect();
        return document.elementFromPoint(box.left + 4, box.top + box.height / 2) !== element;
      })
    `)) as string[];
  } finally {
    await page.close();
  }
}

describe('math in a page', () => {
  it('covers nothing outside its own box, whatever its sizes', async () => {
    for (const [name, markdown] of Object.entries(OVERLAYS)) {
      const html = renderMarkdown(markdown, base, { math: true });
      expect(await covered(html, STYLE), name).toEqual([]);
    }
  });

  it("would cover the page without the theme's containment (the cases are real attacks), but for TeX's", async () => {
    const reached = [];
    for (const [name, markdown] of Object.entries(OVERLAYS))
      if ((await covered(renderMarkdown(markdown, base, { math: true }), '')).length > 0) reached.push(name);
    const raw = Object.keys(OVERLAYS).filter((name) => !name.startsWith('tex_'));
    expect(reached.filter((name) => raw.includes(name)).length).toBeGreaterThan(raw.length / 2);
    // TeX's output goes through the sanitizer's length caps, raw HTML or not: none reaches even without it.
    expect(reached.filter((name) => name.startsWith('tex_'))).toEqual([]);
  });
});

describe("temml's enclosures in Chromium", () => {
  /** What the theme draws for each enclosure: the strike's background, or the enclosure's borders. */
  async function drawn(css: string): Promise<Record<string, string>> {
    const html = renderMarkdown(
      '$\\cancel{x}$ $\\bcancel{y}$ $\\xcancel{z}$ $\\sout{w}$ $\\overline{a}$ $\\underline{b}$ $\\fbox{c}$',
      base,
      { math: true },
    );
    const page = await browser.newPage({ viewport: { width: 800, height: 400 } });
    try {
      await page.setContent(
        `<!doctype html><html lang="en"><head><title>t</title><style>${css}</style></head><body>${html}</body></html>`,
      );
      return (await page.evaluate(`
        Object.fromEntries([...document.querySelectorAll('menclose')].map((enclosure) => {
          const strike = enclosure.querySelector('.tml-cancel');
          const style = getComputedStyle(strike ?? enclosure);
          const box = (strike ?? enclosure).getBoundingClientRect();
          const what = strike
            ? style.backgroundImage.split('linear-gradient').length - 1 + ' gradient(s)'
            : ['Top', 'Bottom', 'Left', 'Right'].filter((side) => parseFloat(style['border' + side + 'Width']) > 0).join(' ');
          return [enclosure.getAttribute('notation'), what + (box.width > 0 && box.height > 0 ? '' : ', no size')];
        }))
      `)) as Record<string, string>;
    } finally {
      await page.close();
    }
  }

  it('draws the strikes of \\cancel, \\bcancel, \\xcancel and \\sout, and the lines of \\overline, \\underline and \\fbox', async () => {
    expect(await drawn(STYLE)).toEqual({
      updiagonalstrike: '1 gradient(s)',
      downdiagonalstrike: '1 gradient(s)',
      'updiagonalstrike downdiagonalstrike': '2 gradient(s)',
      horizontalstrike: '1 gradient(s)',
      top: 'Top',
      bottom: 'Bottom',
      box: 'Top Bottom Left Right',
    });
    // Without the theme, Chromium draws none of them: MathML Core has no <menclose>.
    expect(
      Object.values(await drawn('')).every((what) => what === '' || what.startsWith('0 gradient(s)')),
    ).toBe(true);
  });
});
