import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { Lexer } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  lexWithinBudget,
  MAX_NESTING,
  RENDER_BUDGET,
  RenderLimitError,
  type RenderWork,
} from '../../../src/core/render-budget.js';

const gfm = { gfm: true };

function limitHit(markdown: string): RenderLimitError {
  try {
    lexWithinBudget(markdown, gfm);
  } catch (error) {
    if (error instanceof RenderLimitError) return error;
    throw error;
  }
  throw new Error('expected a render limit to be hit');
}

describe('lexWithinBudget: nesting', () => {
  it.each([
    ['block quotes', (n: number) => `${'>'.repeat(n)} a`],
    ['lists', (n: number) => `${'- '.repeat(n)}a`],
  ])('accepts %s nested up to the limit and rejects one more level', (_name, nested) => {
    // The document itself is the first level.
    expect(() => lexWithinBudget(nested(MAX_NESTING - 1), gfm)).not.toThrow();
    expect(limitHit(nested(MAX_NESTING)).reason).toBe(
      `block quotes and lists are nested more than ${MAX_NESTING} deep`,
    );
  });

  it('rejects emphasis nested past the limit, which overflowed the stack at 5,000 asterisks', () => {
    expect(() => lexWithinBudget(`${'*'.repeat(20)}a${'*'.repeat(20)}`, gfm)).not.toThrow();
    expect(limitHit(`${'*'.repeat(5000)}a${'*'.repeat(5000)}`).reason).toBe(
      `emphasis, links and strikethrough are nested more than ${MAX_NESTING} deep`,
    );
  });

  it('names the line where the block that nests too deeply starts', () => {
    expect(limitHit(`One.\n\nTwo\nlines.\n\n${'>'.repeat(100)}`).line).toBe(6);
    // Inline content is lexed after all blocks; it still names the block it belongs to (the list).
    expect(limitHit(`One.\n\n- a\n- b\n\n  ${'*'.repeat(100)}x${'*'.repeat(100)}`).line).toBe(3);
  });
});

describe('lexWithinBudget: work', () => {
  it('rejects a paragraph dense with inline markup, naming its first line', () => {
    const error = limitHit(`Fine.\n\n${'_a'.repeat(40_000)}`);
    expect(error.reason).toMatch(/too costly to render: a paragraph holds too many/);
    expect(error.line).toBe(3);
  });

  it('rejects long runs of blocks without blank lines, naming where the run starts', () => {
    const error = limitHit(`Fine.\n\n${'a\n-\n'.repeat(100_000)}`);
    expect(error.reason).toMatch(/too many blocks without a blank line between them, from this line on/);
    expect(error.line).toBe(3);
  });

  it('charges every section of a block quote with lazy continuation lines', () => {
    const work: RenderWork = { block: 0, inline: 0 };
    lexWithinBudget('> a\nb\n'.repeat(200), gfm, work);
    // 400 lines in sections of two: each section is charged the rest of the quote again.
    expect(work.block).toBeGreaterThan(200 * 1200 * 0.4);
    expect(limitHit('> a\nb\n'.repeat(100_000)).line).toBe(1);
  });

  // Our docs cost about 1.8 block and 4 inline units a character (linear in length: measured at 0.2 to 1
  // MB), so a megabyte of them uses about a twentieth and a tenth of the budget: an eighth leaves the docs
  // room to grow while a lexer that scans text again per token still fails.
  it('uses under an eighth of the budget on a megabyte of real documentation', async () => {
    const docs = await Promise.all(
      ['README.md', 'docs/security.md', 'docs/performance.md', 'docs/cloud.md', 'docs/deploy.md'].map((f) =>
        readFile(new URL(`../../../${f}`, import.meta.url), 'utf8'),
      ),
    );
    const text = docs.join('\n\n');
    // Cut to a megabyte exactly: repeated whole, the docs' own growth would be measured as the lexer's.
    const megabyte = text.repeat(Math.ceil(1_000_000 / text.length)).slice(0, 1_000_000);
    const work: RenderWork = { block: 0, inline: 0 };
    lexWithinBudget(megabyte, gfm, work);
    expect(work.block).toBeLessThan(RENDER_BUDGET.block / 8);
    expect(work.inline).toBeLessThan(RENDER_BUDGET.inline / 8);
  });
});

// The metering and the table shortcut must change nothing marked produces.
const line = fc.constantFrom(
  'a',
  'text with *em* and **strong** and `code`',
  '-',
  '=',
  ':-',
  '|',
  'a|b',
  '|-|',
  '-|-',
  '| a | b |',
  '| - | :-: |',
  '- a',
  '1. a',
  '> a',
  '> - a',
  '# a',
  '***',
  '```',
  '    a',
  '<div>',
  '[a]: /b "t"',
  '[x][a] and [y](/z)',
  '',
  ' ',
  'a  ',
  '~~d~~ _u_',
);

describe('lexWithinBudget: the same tokens as marked', () => {
  it('for any document made of common block and inline forms', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 14 }), (lines) => {
        const source = lines.join('\n');
        expect(JSON.stringify(lexWithinBudget(source, gfm))).toBe(JSON.stringify(Lexer.lex(source, gfm)));
      }),
      { numRuns: 1500, seed: 14 },
    );
  });
});
