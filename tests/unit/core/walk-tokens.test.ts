import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { Marked, type MarkedExtension, type Token } from 'marked';
import markedAlert from 'marked-alert';
import markedFootnote from 'marked-footnote';
import { describe, expect, it } from 'vitest';
import { tokenCallbacksOf, walkTokens } from '../../../src/core/render.js';

/** marked with the extensions the renderer uses and one that records every token it is called with. */
function recording() {
  const seen: string[] = [];
  const instance = new Marked({ gfm: true, async: false });
  const extensions: MarkedExtension[] = [
    markedFootnote(),
    markedAlert(),
    {
      walkTokens: (token: Token) => {
        seen.push(`${token.type}:${token.raw}`);
      },
    },
  ];
  instance.use(...extensions);
  return { instance, seen, callbacks: tokenCallbacksOf(extensions) };
}

/** Tokens in the order marked's own walk calls the callbacks, and in the order ours does. */
function bothWalks(markdown: string): [string[], string[]] {
  const theirs = recording();
  const tokens = theirs.instance.lexer(markdown);
  const { walkTokens: callbacks } = theirs.instance.defaults;
  if (callbacks) theirs.instance.walkTokens(tokens, callbacks);
  const ours = recording();
  walkTokens(ours.instance, ours.instance.lexer(markdown), ours.callbacks);
  return [theirs.seen, ours.seen];
}

describe('walkTokens (the extensions’ callbacks without marked’s bookkeeping)', () => {
  it('visits the feature fixture’s tokens in marked’s order', async () => {
    const features = await readFile(new URL('../../fixtures/render/features.md', import.meta.url), 'utf8');
    const [theirs, ours] = bothWalks(features);
    expect(theirs.length).toBeGreaterThan(100);
    expect(ours).toEqual(theirs);
  });

  it('visits generated documents’ tokens in marked’s order: tables, nested lists, quotes, notes', () => {
    const block = fc.constantFrom(
      '| a | *b* |\n| - | - |\n| `1` | [2](/x) |',
      '- one\n  - two **bold**\n    1. three',
      '> [!WARNING]\n> careful *now*',
      '> plain quote\n> > nested',
      'Text[^n] with a note.\n\n[^n]: The **note**.',
      '# Heading *em*',
      '```js\ncode\n```',
      '- [x] done\n- [ ] todo',
      'A paragraph with <span>html</span> and ~~del~~.',
    );
    fc.assert(
      fc.property(fc.array(block, { maxLength: 8 }), (blocks) => {
        const [theirs, ours] = bothWalks(blocks.join('\n\n'));
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 200 },
    );
  });
});
