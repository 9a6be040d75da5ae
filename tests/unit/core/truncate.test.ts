// Shortened text (summaries, the digest's "Read …" links) lands in feeds and email: it must stay valid text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateWords } from '../../../src/core/text.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const boundaries = (text: string) => new Set([...segmenter.segment(text)].map((s) => s.index));
const pieces = ['あ', '🎉', 'é', 'e\u0301', '👩‍💻', '🇵🇹', 'x', ' ', 'word'];

describe('truncateWords', () => {
  it('never cuts a character in half, and keeps within the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 2, max: 80 }),
        (parts, max) => {
          const text = parts.join('');
          const short = truncateWords(text, max);
          // No lone half of a surrogate pair (what String.prototype.isWellFormed checks, ES2024).
          expect(short).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
          expect(short.length).toBeLessThanOrEqual(max);
          if (short === text) return;
          expect(short.endsWith('…')).toBe(true);
          // What is kept is a start of the text ending between characters: no half emoji or flag, no accent
          // without its letter.
          const kept = short.slice(0, -1).trimEnd();
          expect(text.startsWith(kept)).toBe(true);
          expect(boundaries(text).has(kept.length)).toBe(true);
        },
      ),
      { seed: 41, numRuns: 500 },
    );
  });

  it('cuts Japanese text without spaces between characters, and text with spaces at a word', () => {
    expect(truncateWords(`${'あ'.repeat(10)}🎉🎉`, 12)).toBe(`${'あ'.repeat(10)}…`);
    expect(truncateWords('The quick brown fox jumps', 14)).toBe('The quick…');
  });
});
