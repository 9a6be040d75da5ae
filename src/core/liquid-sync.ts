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

/** The output of one render: liquidjs's SimpleEmitter (it writes values as liquidjs does), without the class. */
interface Out {
  buffer: string;
  write(part: unknown): void;
}

export const newOut = (): Out => ({
  buffer: '',
  write(part: unknown) {
    this.buffer += stringify(part);
  },
});

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
  renderNodes(templates, ctx, out);
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
  out.buffer += (node as unknown as { str: string }).str;
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
    out.buffer += render(node, ctx, {
      hashOf: (hash) => renderHash(hash as HashShape, ctx),
      renderAsParent: () => {
        const inner = newOut();
        const renderParent = renderers.get(parent);
        if (renderParent) renderParent(node as never, ctx, inner);
        else toValueSync((node as unknown as Template).render(ctx, inner as never));
        return inner.buffer;
      },
    });
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

/** Renders parsed templates with `scope`; throws on anything liquidjs might render differently or fail on. */
export function renderSync(liquid: Liquid, templates: readonly Template[], scope: object): string {
  // liquidjs does not export its class for text between tags; a parsed text node shows which it is.
  if (!htmlClassKnown) {
    renderers.set((liquid.parse('text')[0] as object).constructor, renderHtml as NodeRenderer);
    htmlClassKnown = true;
  }
  const ctx = new Context(scope, liquid.options, { sync: true }, { liquid } as never);
  const out = newOut();
  renderNodes(templates, ctx, out);
  return out.buffer;
}
