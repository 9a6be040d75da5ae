// Renders parsed liquidjs templates without liquidjs's generators. liquidjs renders synchronously by driving
// generator functions (one per template node, expression, token and filter), and at 10,000 pages that driving
// cost more than the rendering itself. This walks the same parsed templates with plain calls for the nodes a
// theme uses most (text, output, if, unless, for, include, assign), mirroring liquidjs's code for each, and
// hands every other node to liquidjs's own renderer on the same context. It throws where liquidjs would; the
// caller then renders again with liquidjs, so errors and anything this gets wrong stay liquidjs's.
import * as liquidjs from 'liquidjs';
import {
  AssignTag,
  Context,
  Drop,
  ForTag,
  IfTag,
  IncludeTag,
  type isFalsy,
  type Liquid,
  Output,
  type Template,
  UnlessTag,
} from 'liquidjs';

// What runs for every token, read from the module once: bundled, liquidjs is CommonJS, and the bundle reads
// each use of an import through a getter (~0.14 s of a 10,000-page build).
const { isTruthy, evalToken: liquidEvalToken, TokenKind, toValue, toValueSync } = liquidjs;

type NodeRenderer = (node: never, ctx: Context, out: Out) => void;

/**
 * How much one render of one template may do. A theme is the site's own code: a loop that does not end
 * would otherwise run until the publish function times out, writing a page of any size. Each limit is far
 * above what a real page needs, so reaching one means a loop or include that does not end.
 */
export interface RenderLimits {
  /** Characters one render writes (besides the body HTML it is handed to show: Theme.render's `shows`). */
  readonly output: number;
  /** Milliseconds one render takes. */
  readonly milliseconds: number;
  /** liquidjs's count of what its ranges and filters build: items of a range or list, characters of text. */
  readonly memory: number;
}

export const RENDER_LIMITS: RenderLimits = {
  // The largest page of the 10,000-article bench corpus is a tag page listing 1,931 articles: 638,271
  // characters, about 330 an entry. A page listing all 10,000 would be ~3.3 MB; 8 MB leaves room for titles
  // and summaries twice as long. (Characters, not bytes: markup is ASCII, and this is a bound, not a measure.)
  output: 8 * 1024 * 1024,
  // The slowest render of that build took 0.42 s on a busy 2-core machine; one listing all 10,000 articles
  // would take ~2 s there. 20 s leaves a slower function ten times that, and ends well before its timeout.
  milliseconds: 20_000,
  // That build's most was 386,282 (escaping counts each value's characters). 20 million is fifty times as
  // much, and refuses a range such as (1..100000000) before it builds an array of 800 MB.
  memory: 20_000_000,
};

/** A render went past one of its RenderLimits: thrown as soon as it does, never rendered again by liquidjs. */
export class TemplateLimitError extends Error {
  override name = 'TemplateLimitError';
  constructor(
    readonly limit: keyof RenderLimits | 'includes',
    readonly value: number,
    file = '',
  ) {
    super(
      limit === 'output'
        ? `wrote more than ${Math.round((value / (1024 * 1024)) * 10) / 10} MB`
        : limit === 'milliseconds'
          ? `took more than ${value / 1000} s`
          : limit === 'memory'
            ? `built ranges, lists or text of more than ${value.toLocaleString('en')} items`
            : `nested includes more than ${value} deep (${file} in the deepest)`,
    );
  }
}

/**
 * What liquidjs's Context checks (its renderLimit and memoryLimit), for one render: it throws
 * TemplateLimitError, so the caller knows to stop rather than render the template again.
 */
export interface RenderBudget {
  readonly renderLimit: { check(now: number): void };
  readonly memoryLimit: { use(count: number): void };
  readonly output: number;
  /** When its time ends (performance.now()), for a second render that must not start the clock again. */
  readonly deadline: number;
}

/** A budget for one render, ending `limits.milliseconds` from now (`deadline` keeps an earlier one's end). */
export function renderBudget(limits: RenderLimits = RENDER_LIMITS, deadline?: number): RenderBudget {
  // The one clock read in src/core: it never changes what a render writes, only whether a runaway one stops
  // (liquidjs's own renderer reads the same clock before every node).
  const end = deadline ?? performance.now() + limits.milliseconds;
  let used = 0;
  return {
    renderLimit: {
      check(now: number) {
        if (now > end) throw new TemplateLimitError('milliseconds', limits.milliseconds);
      },
    },
    memoryLimit: {
      use(count: number) {
        if (+count > 0) used += +count;
        if (used > limits.memory) throw new TemplateLimitError('memory', limits.memory);
      },
    },
    output: limits.output,
    deadline: end,
  };
}

/** The output of one render: liquidjs's SimpleEmitter (it writes values as liquidjs does), without the class. */
interface Out {
  buffer: string;
  /** The most characters `buffer` may hold. */
  readonly limit: number;
  write(part: unknown): void;
}

export const newOut = (limit = RENDER_LIMITS.output): Out => ({
  buffer: '',
  limit,
  write(part: unknown) {
    append(this, stringify(part));
  },
});

/** Appends text to `out`, within the output's limit. */
function append(out: Out, text: string): void {
  out.buffer += text;
  if (out.buffer.length > out.limit) throw new TemplateLimitError('output', out.limit);
}

// Nodes and loop rounds rendered, in any render: every 1,024th looks at the clock (reading it on every one
// would cost more than some nodes do).
let ticks = 0;
function tick(ctx: Context): void {
  if ((++ticks & 1023) === 0) ctx.renderLimit.check(performance.now());
}

interface Token {
  readonly kind: number;
  readonly content?: unknown;
  getText(): string;
}
interface PropertyAccess extends Token {
  readonly variable?: Token;
  readonly props: readonly Token[];
}
interface OperatorTokenShape extends Token {
  readonly operator: string;
}
interface ContextInternals {
  findScope(key: unknown): unknown;
}
interface ExpressionShape {
  readonly postfix: readonly Token[];
}
interface HashShape {
  readonly hash: Readonly<Record<string, Token | undefined>>;
}
interface FilterShape {
  readonly handler: (...args: unknown[]) => unknown;
  readonly args: readonly (Token | readonly [string, Token])[];
  readonly token: unknown;
  readonly liquid: Liquid;
}
interface ValueShape {
  readonly initial: ExpressionShape;
  readonly filters: readonly FilterShape[];
}

const BINARY = new Set(['==', '!=', '>', '<', '>=', '<=', 'contains', 'and', 'or']);

/** liquidjs's stringify: what an emitter writes for a value. */
function stringify(value: unknown): string {
  const v = toValue(value);
  if (typeof v === 'string') return v;
  if (v == null) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}

/** evalToken: a token to its value, drops kept. */
function evalToken(token: Token | undefined, ctx: Context): unknown {
  if (!token) return undefined;
  if ('content' in token) return token.content;
  if (token.kind === TokenKind.PropertyAccess) return evalPropertyAccess(token as PropertyAccess, ctx);
  // Ranges and grouped expressions are rare in themes: liquidjs evaluates them.
  if (token.kind === TokenKind.Range || token.kind === TokenKind.FilteredValue) {
    return toValueSync(liquidEvalToken(token as never, ctx));
  }
  return undefined;
}

function evalPropertyAccess(token: PropertyAccess, ctx: Context): unknown {
  const props: unknown[] = [];
  for (const prop of token.props) props.push(toValue(evalToken(prop, ctx)));
  let scope: unknown = token.variable
    ? evalToken(token.variable, ctx)
    : (ctx as unknown as ContextInternals).findScope(props[0]);
  for (const prop of props) {
    scope = ctx.readProperty(scope as never, prop as never);
    // liquidjs yields every value it reads, so it runs a generator found in the data: that is its to do.
    if (isGenerator(scope)) throw new Error('a generator in the data');
  }
  return scope;
}

/** What liquidjs's toValueSync takes for a generator and runs (its isIterator). */
function isGenerator(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.next === 'function' && typeof v.throw === 'function' && typeof v.return === 'function';
}

function evalExpression(expression: ExpressionShape, ctx: Context): unknown {
  const operands: unknown[] = [];
  for (const token of expression.postfix) {
    if (token.kind === TokenKind.Operator) {
      const operator = (token as OperatorTokenShape).operator;
      const impl = (ctx.opts.operators as Record<string, (...args: unknown[]) => unknown>)[operator];
      if (!impl) throw new Error(`unknown operator ${operator}`);
      const r = operands.pop();
      if (operator === 'not') operands.push(toValueSync(impl(r, ctx)));
      else if (BINARY.has(operator)) {
        const l = operands.pop();
        operands.push(toValueSync(impl(l, r, ctx)));
      } else throw new Error(`unknown operator ${operator}`);
    } else operands.push(evalToken(token, ctx));
  }
  return operands[0];
}

function applyFilter(filter: FilterShape, value: unknown, ctx: Context): unknown {
  const argv: unknown[] = [value];
  for (const arg of filter.args) {
    if (Array.isArray(arg)) argv.push([arg[0], evalToken(arg[1] as Token, ctx)]);
    else argv.push(evalToken(arg as Token, ctx));
  }
  return toValueSync(
    filter.handler.apply({ context: ctx, token: filter.token, liquid: filter.liquid }, argv),
  );
}

// Without strictVariables (see rendersLikeLiquid) a missing variable is nil, so liquidjs's `lenient` changes
// nothing and is not modelled.
function evalValue(value: ValueShape, ctx: Context): unknown {
  let v = evalExpression(value.initial, ctx);
  for (const filter of value.filters) v = applyFilter(filter, v, ctx);
  return v;
}

function renderHash(hash: HashShape, ctx: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(hash.hash)) {
    const token = hash.hash[key];
    out[key] = token === undefined ? true : evalToken(token, ctx);
  }
  return out;
}

const scopeOf = (from: Record<string, unknown>): Record<string, unknown> =>
  Object.assign(Object.create(null) as Record<string, unknown>, from);

/** Renders a list of nodes as liquidjs's renderTemplates does (break and continue stop it). */
function renderNodes(templates: readonly Template[], ctx: Context, out: Out): void {
  for (const node of templates) {
    tick(ctx);
    const render = renderers.get(node.constructor);
    if (render) render(node as never, ctx, out);
    else {
      const html = toValueSync(node.render(ctx, out as never));
      if (html) out.write(html);
    }
    if (ctx.breakCalled || ctx.continueCalled) break;
  }
}

function renderIf(node: IfTag, ctx: Context, out: Out): void {
  const { branches, elseTemplates } = node as unknown as {
    branches: { value: ValueShape; templates: Template[] }[];
    elseTemplates?: Template[];
  };
  for (const { value, templates } of branches) {
    if (isTruthy(toValue(evalValue(value, ctx)), ctx)) {
      renderNodes(templates, ctx, out);
      return;
    }
  }
  renderNodes(elseTemplates ?? [], ctx, out);
}

function renderUnless(node: UnlessTag, ctx: Context, out: Out): void {
  const { branches, elseTemplates } = node as unknown as {
    branches: { value: ValueShape; test: typeof isFalsy; templates: Template[] }[];
    elseTemplates: Template[];
  };
  for (const { value, test, templates } of branches) {
    if (test(toValue(evalValue(value, ctx)), ctx)) {
      renderNodes(templates, ctx, out);
      return;
    }
  }
  renderNodes(elseTemplates, ctx, out);
}

function renderFor(node: ForTag, ctx: Context, out: Out): void {
  const tag = node as unknown as {
    variable: string;
    collection: Token;
    hash: HashShape;
    templates: Template[];
    elseTemplates: Template[];
  };
  // Modifiers (limit, offset, reversed), `continue` registers and the forloop drop: liquidjs's own code.
  if (Object.keys(tag.hash.hash).length > 0) {
    toValueSync(node.render(ctx, out as never));
    return;
  }
  const collection = enumerable(evalToken(tag.collection, ctx));
  if (collection === undefined) {
    toValueSync(node.render(ctx, out as never));
    return;
  }
  if (collection.length === 0) {
    renderNodes(tag.elseTemplates, ctx, out);
    return;
  }
  const continueKey = `continue-${tag.variable}-${tag.collection.getText()}`;
  ctx.setRegister(continueKey, collection.length);
  const forloop = new ForloopDrop(collection.length, tag.collection.getText(), tag.variable);
  const scope = scopeOf({ forloop });
  ctx.push(scope);
  for (const item of collection) {
    tick(ctx);
    scope[tag.variable] = item;
    ctx.continueCalled = ctx.breakCalled = false;
    renderNodes(tag.templates, ctx, out);
    if (ctx.breakCalled) break;
    forloop.next();
  }
  ctx.continueCalled = ctx.breakCalled = false;
  ctx.pop();
}

/** liquidjs's toEnumerable for the cases a theme loops over; undefined sends the rest to liquidjs. */
function enumerable(value: unknown): unknown[] | undefined {
  const v = toValue(value);
  if (Array.isArray(v)) return v;
  if (v == null) return [];
  return undefined;
}

// liquidjs's ForloopDrop is not exported; this one has the same fields and methods.
class ForloopDrop extends Drop {
  // Declared in liquidjs's order: `{{ forloop }}` prints them as JSON.
  i: number;
  length: number;
  name: string;
  constructor(length: number, collection: string, variable: string) {
    super();
    this.i = 0;
    this.length = length;
    this.name = `${variable}-${collection}`;
  }
  next() {
    this.i++;
  }
  index0() {
    return this.i;
  }
  index() {
    return this.i + 1;
  }
  first() {
    return this.i === 0;
  }
  last() {
    return this.i === this.length - 1;
  }
  rindex() {
    return this.length - this.i;
  }
  rindex0() {
    return this.length - this.i - 1;
  }
  override valueOf() {
    return JSON.stringify(this);
  }
}

/**
 * How deep includes may nest. A theme's nest a few deep; a partial that includes itself would go on until
 * the stack ends, with an error naming neither the partial nor the reason.
 */
const MAX_INCLUDE_DEPTH = 100;
let includeDepth = 0;

/** Parsed partials by include tag: a theme's templates do not change while its Liquid lives. */
const partials = new WeakMap<object, Template[]>();

function partialOf(node: IncludeTag, file: string, ctx: Context): Template[] {
  let templates = partials.get(node);
  if (!templates) {
    const { liquid, currentFile } = node as unknown as {
      liquid: { _parsePartialFile(f: string, sync: boolean, current: unknown): unknown };
      currentFile: unknown;
    };
    templates = toValueSync(liquid._parsePartialFile(file, ctx.sync, currentFile)) as Template[];
    partials.set(node, templates);
  }
  return templates;
}

function renderInclude(node: IncludeTag, ctx: Context, out: Out): void {
  const tag = node as unknown as { file: unknown; hash: HashShape; withVar?: Token };
  if (typeof tag.file !== 'string' || ctx.opts.jekyllInclude) {
    toValueSync(node.render(ctx, out as never));
    return;
  }
  const file = tag.file;
  if (!file) throw new Error(`illegal file path "${file}"`);
  const saved = ctx.saveRegister('blocks', 'blockMode');
  ctx.setRegister('blocks', {});
  ctx.setRegister('blockMode', 0 /* BlockMode.OUTPUT */);
  const scope = scopeOf(renderHash(tag.hash, ctx));
  if (tag.withVar) scope[file] = evalToken(tag.withVar, ctx);
  const templates = partialOf(node, file, ctx);
  ctx.push(scope);
  includeDepth++;
  try {
    if (includeDepth > MAX_INCLUDE_DEPTH) throw new TemplateLimitError('includes', MAX_INCLUDE_DEPTH, file);
    renderNodes(templates, ctx, out);
  } finally {
    includeDepth--;
  }
  ctx.pop();
  ctx.restoreRegister(saved);
}

function renderAssign(node: AssignTag, ctx: Context): void {
  const tag = node as unknown as { key: string; value: ValueShape };
  (ctx.bottom() as Record<string, unknown>)[tag.key] = evalValue(tag.value, ctx);
}

function renderOutput(node: Output, ctx: Context, out: Out): void {
  out.write(toValue(evalValue((node as unknown as { value: ValueShape }).value, ctx)));
}

let htmlClassKnown = false;

function renderHtml(node: object, _ctx: Context, out: Out): void {
  append(out, (node as unknown as { str: string }).str);
}

/** How to render each node kind, by constructor: a subclass (a tag a theme registers) takes liquidjs's path. */
const renderers = new Map<unknown, NodeRenderer>([
  [Output, renderOutput as NodeRenderer],
  [IfTag, renderIf as NodeRenderer],
  [UnlessTag, renderUnless as NodeRenderer],
  [ForTag, renderFor as NodeRenderer],
  [IncludeTag, renderInclude as NodeRenderer],
  [AssignTag, renderAssign as NodeRenderer],
]);

/** What a tag registered with registerSyncTag may call. */
export interface SyncTagHelpers {
  /** The tag's `key: value` arguments, evaluated. */
  hashOf(hash: unknown): Record<string, unknown>;
  /** Renders the node as its parent class renders (include for include_cached) into a string. */
  renderAsParent(): string;
}

/** Renders one more tag class on this path: a Broadsheet tag such as include_cached. */
export function registerSyncTag<T extends object>(
  tag: abstract new (...args: never[]) => T,
  render: (node: T, ctx: Context, helpers: SyncTagHelpers) => string,
): void {
  const parent = Object.getPrototypeOf(tag.prototype).constructor as unknown;
  renderers.set(tag, ((node: T, ctx: Context, out: Out) => {
    const html = render(node, ctx, {
      hashOf: (hash) => renderHash(hash as HashShape, ctx),
      renderAsParent: () => {
        const inner = newOut(out.limit);
        const renderParent = renderers.get(parent);
        if (renderParent) renderParent(node as never, ctx, inner);
        else toValueSync((node as unknown as Template).render(ctx, inner as never));
        return inner.buffer;
      },
    });
    append(out, html);
  }) as NodeRenderer);
}

/** Whether a Liquid's options are ones this path renders as liquidjs does. */
export function rendersLikeLiquid(liquid: Liquid): boolean {
  const o = liquid.options;
  return (
    !o.keepOutputType &&
    !o.catchAllErrors &&
    !o.jekyllInclude &&
    !o.strictVariables &&
    !o.lenientIf &&
    o.renderLimit === Number.POSITIVE_INFINITY &&
    o.memoryLimit === Number.POSITIVE_INFINITY
  );
}

/** A context for one render within `budget`: liquidjs's nodes check its time and count what they build. */
const contextFor = (liquid: Liquid, scope: object, budget: RenderBudget) =>
  new Context(scope, liquid.options, { sync: true }, {
    liquid,
    renderLimit: budget.renderLimit,
    memoryLimit: budget.memoryLimit,
  } as never);

/**
 * Renders parsed templates with `scope`; throws on anything liquidjs might render differently or fail on,
 * and TemplateLimitError past `budget`.
 */
export function renderSync(
  liquid: Liquid,
  templates: readonly Template[],
  scope: object,
  budget: RenderBudget = renderBudget(),
): string {
  // liquidjs does not export its class for text between tags; a parsed text node shows which it is.
  if (!htmlClassKnown) {
    renderers.set((liquid.parse('text')[0] as object).constructor, renderHtml as NodeRenderer);
    htmlClassKnown = true;
  }
  const ctx = contextFor(liquid, scope, budget);
  const out = newOut(budget.output);
  renderNodes(templates, ctx, out);
  return out.buffer;
}

/** Renders with liquidjs's own renderer within `budget`, as liquid.renderSync does but for the limits. */
export function renderWithLiquid(
  liquid: Liquid,
  templates: readonly Template[],
  scope: object,
  budget: RenderBudget = renderBudget(),
): string {
  const out = newOut(budget.output);
  toValueSync(
    liquid.renderer.renderTemplates(templates as Template[], contextFor(liquid, scope, budget), out),
  );
  return out.buffer;
}

/** The TemplateLimitError behind an error, which liquidjs wraps in its own as it passes up through nodes. */
export function templateLimitErrorOf(error: unknown): TemplateLimitError | undefined {
  for (let e = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
    if (e instanceof TemplateLimitError) return e;
  }
  return undefined;
}
