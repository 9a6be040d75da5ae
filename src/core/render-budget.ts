// Bounds on what rendering one article may cost, whatever its bytes. marked recurses once per level of
// nesting (3,000 `>` overflow the stack) and several of its tokenizers scan the rest of their input at
// every step (`_a` × 40,000 takes seconds, a setext-heading run without blank lines minutes). Both are
// measured here with counters, not a clock, so an article is accepted or rejected the same way on every
// machine: the lexer below counts nesting and charges every step the input it may have to scan.
import { Lexer, type MarkedOptions, type Token, Tokenizer, type Tokens, type TokensList } from 'marked';

/** How deep block quotes and lists, or emphasis, links and strikethrough, may nest. */
export const MAX_NESTING = 32;

/**
 * Work allowed for one article, in characters a tokenizer may have to scan. Block steps are charged the
 * distance to the next blank line (where every block rule that can fail gives up), inline steps the rest of
 * their paragraph. The worst accepted input renders in about a second; real articles of 1 MiB use under a
 * tenth (bench/hostile.ts measures both).
 */
export const RENDER_BUDGET = { block: 40_000_000, inline: 40_000_000 } as const;

/** The article cannot be rendered within the limits; `line` counts from the first line of the Markdown. */
export class RenderLimitError extends Error {
  override name = 'RenderLimitError';
  constructor(
    readonly reason: string,
    readonly line: number | undefined,
  ) {
    super(reason);
  }
}

interface BlockRun {
  readonly text: string;
  /** Offsets where a blank line starts, ascending; `next` indexes the first not behind the cursor. */
  readonly blanks: readonly number[];
  next: number;
}

function blankLineStarts(text: string): number[] {
  const starts: number[] = [];
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const lineEnd = end === -1 ? text.length : end;
    let blank = true;
    for (let i = start; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09) {
        blank = false;
        break;
      }
    }
    if (blank) starts.push(start);
    if (end === -1) break;
    start = end + 1;
  }
  return starts;
}

/** One render's nesting and work, and where in the source it is (to name the line when a limit is hit). */
class RenderMeter {
  private readonly runs: BlockRun[] = [];
  private source = '';
  blockWork = 0;
  inlineWork = 0;
  private inlineDepth = 0;
  /** Offset in the source of the top-level block being lexed, or whose inline content is being lexed. */
  private topOffset = 0;
  private readonly queuedAt = new WeakMap<Token[], number>();
  /** What the current block step was charged: how far it may scan. */
  private stepSpan = 0;
  /** Block quotes being tokenized: the block depth they sit at, and their step's span. */
  private readonly quotes: { depth: number; span: number }[] = [];

  enterBlocks(text: string): void {
    if (this.runs.length === 0) this.source = text;
    if (this.runs.length >= MAX_NESTING)
      this.fail(`block quotes and lists are nested more than ${MAX_NESTING} deep`);
    // marked lexes a block quote in sections (split at lazy continuation lines), and each section costs
    // it the rest of the quote again: charge each section the quote's span.
    const quote = this.quotes.at(-1);
    if (quote?.depth === this.runs.length) this.charge(quote.span);
    this.runs.push({ text, blanks: blankLineStarts(text), next: 0 });
  }

  enterQuote(): void {
    // marked tokenizes a quote again from inside itself to merge lazy lines: that is still the same quote.
    const outer = this.quotes.at(-1);
    const span = outer?.depth === this.runs.length ? outer.span : this.stepSpan;
    this.quotes.push({ depth: this.runs.length, span });
  }

  leaveQuote(): void {
    this.quotes.pop();
  }

  leaveBlocks(): void {
    this.runs.pop();
  }

  blockStep(src: string): void {
    const run = this.runs.at(-1);
    if (!run) return;
    const at = run.text.length - src.length;
    if (this.runs.length === 1) this.topOffset = at;
    while (run.next < run.blanks.length && (run.blanks[run.next] ?? 0) < at) run.next++;
    this.stepSpan = 1 + (run.blanks[run.next] ?? run.text.length) - at;
    this.charge(this.stepSpan);
  }

  private charge(span: number): void {
    this.blockWork += span;
    if (this.blockWork > RENDER_BUDGET.block) {
      // Name where the run of lines without a blank line starts: that is what the author can fix.
      const top = this.runs[0];
      let blank = top ? top.next : 0;
      while (blank > 0 && (top?.blanks[blank - 1] ?? 0) >= this.topOffset) blank--;
      const before = blank > 0 ? top?.blanks[blank - 1] : undefined;
      if (top && before !== undefined) {
        const end = top.text.indexOf('\n', before);
        this.topOffset = end === -1 ? top.text.length : end + 1;
      } else {
        this.topOffset = 0;
      }
      this.fail(
        'is too costly to render: too many blocks without a blank line between them, from this line on (add blank lines between paragraphs, headings, lists and quotes)',
      );
    }
  }

  queueInline(tokens: Token[]): void {
    this.queuedAt.set(tokens, this.topOffset);
  }

  enterInline(tokens: Token[] | undefined): void {
    const queued = tokens && this.queuedAt.get(tokens);
    if (queued !== undefined) this.topOffset = queued;
    if (++this.inlineDepth > MAX_NESTING)
      this.fail(`emphasis, links and strikethrough are nested more than ${MAX_NESTING} deep`);
  }

  leaveInline(): void {
    this.inlineDepth--;
  }

  inlineStep(src: string): void {
    this.inlineWork += 1 + src.length;
    if (this.inlineWork > RENDER_BUDGET.inline) {
      this.fail(
        'is too costly to render: a paragraph holds too many emphasis marks, links or other inline markup for its length (split it up)',
      );
    }
  }

  private fail(reason: string): never {
    let line = 1;
    for (
      let i = this.source.indexOf('\n');
      i !== -1 && i < this.topOffset;
      i = this.source.indexOf('\n', i + 1)
    )
      line++;
    throw new RenderLimitError(reason, this.source === '' ? undefined : line);
  }
}

/** marked's tokenizer, charging each block and inline step to the meter before the step runs. */
class MeteredTokenizer extends Tokenizer {
  constructor(
    private readonly meter: RenderMeter,
    options: MarkedOptions,
  ) {
    super(options);
  }

  // Every block step starts with `space`, every inline step with `escape`.
  override space(src: string): Tokens.Space | undefined {
    this.meter.blockStep(src);
    return super.space(src);
  }

  override blockquote(src: string): Tokens.Blockquote | undefined {
    this.meter.enterQuote();
    try {
      return super.blockquote(src);
    } finally {
      this.meter.leaveQuote();
    }
  }

  override escape(src: string): Tokens.Escape | undefined {
    this.meter.inlineStep(src);
    return super.escape(src);
  }

  // marked matches a whole table (every row up to a blank line) before it checks the header and delimiter
  // rows, and most lines that look like a header are not one: each paragraph line followed by a line of
  // dashes re-scanned the rest of the paragraph. Whether a table starts depends only on its first two lines,
  // so those are tried first.
  override table(src: string): Tokens.Table | undefined {
    const second = src.indexOf('\n', src.indexOf('\n') + 1);
    if (second !== -1 && second < src.length - 1) {
      const head = src.slice(0, second + 1);
      if (!(this.lexer as MeteredLexer).probe(() => super.table(head))) return undefined;
    }
    return super.table(src);
  }
}

/** marked's lexer, counting nesting (each level recurses through blockTokens or inlineTokens). */
class MeteredLexer extends Lexer {
  constructor(
    private readonly meter: RenderMeter,
    options: MarkedOptions,
  ) {
    super(options);
  }

  override blockTokens(src: string, tokens?: Token[], lastParagraphClipped?: boolean): Token[];
  override blockTokens(src: string, tokens?: TokensList, lastParagraphClipped?: boolean): TokensList;
  override blockTokens(src: string, tokens?: Token[], lastParagraphClipped?: boolean): Token[] {
    this.meter.enterBlocks(src);
    try {
      return super.blockTokens(src, tokens, lastParagraphClipped);
    } finally {
      this.meter.leaveBlocks();
    }
  }

  private probing = false;

  /** Runs a tokenizer only to see whether it matches: what it would queue for inline lexing is dropped. */
  probe<T>(tokenize: () => T): T {
    this.probing = true;
    try {
      return tokenize();
    } finally {
      this.probing = false;
    }
  }

  override inline(src: string, tokens: Token[] = []): Token[] {
    if (this.probing) return tokens;
    const queued = super.inline(src, tokens);
    this.meter.queueInline(queued);
    return queued;
  }

  override inlineTokens(src: string, tokens?: Token[]): Token[] {
    this.meter.enterInline(tokens);
    try {
      return super.inlineTokens(src, tokens);
    } finally {
      this.meter.leaveInline();
    }
  }
}

/** The budget one render used (for the benchmark). */
export interface RenderWork {
  block: number;
  inline: number;
}

/**
 * Lexes Markdown as marked would with `options`, throwing RenderLimitError past a limit. `work`, when
 * given, receives what was used, also when a limit was hit.
 */
export function lexWithinBudget(markdown: string, options: MarkedOptions, work?: RenderWork): Token[] {
  const meter = new RenderMeter();
  const settings: MarkedOptions = { ...options };
  settings.tokenizer = new MeteredTokenizer(meter, settings);
  try {
    return new MeteredLexer(meter, settings).lex(markdown);
  } finally {
    if (work) {
      work.block = meter.blockWork;
      work.inline = meter.inlineWork;
    }
  }
}
