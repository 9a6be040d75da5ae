// The generator-free renderer (src/core/liquid-sync.ts) against liquidjs itself: on generated templates and
// scopes, it renders exactly what liquidjs renders, or throws where liquidjs throws.
import fc from 'fast-check';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { renderSync, rendersLikeLiquid } from '../../../src/core/liquid-sync.js';

// `w` is what assign and capture write. What they write never reads `w`: a loop around `assign w = w | append: w`
// doubles it every round, and a few nested loops of that use up the test worker's memory and kill it.
const WORDS = ['a', 'b', 'items', 'n', 's', 'flag', 'nil', 'missing', 'site', 'forloop', 'x'] as const;
const key = fc.constantFrom('a', 'b', 'name', 'size', 'first', 'last', 'tags', 'title', '0');
const pathOver = (word: fc.Arbitrary<string>) =>
  fc
    .tuple(
      word,
      fc.array(
        fc.oneof(
          key.map((k) => `.${k}`),
          fc.constantFrom('[0]', '[n]', '["name"]', '[-1]'),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([w, rest]) => w + rest.join(''));
const literal = fc.constantFrom(
  "'x'",
  '"<b>&"',
  '3',
  '-1',
  '2.5',
  'true',
  'false',
  'nil',
  'empty',
  'blank',
  "''",
);
const operandOver = (path: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: path },
    { weight: 2, arbitrary: literal },
    { weight: 1, arbitrary: fc.constant('(1..n)') },
  );
const filterOver = (operand: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.constantFrom('upcase', 'size', 'first', 'escape', 'strip', 'downcase', 'json', 'reverse', 'raw'),
    fc
      .tuple(fc.constantFrom('default', 'append', 'join', 'prepend', 'split', 'plus', 'at_least'), operand)
      .map(([f, a]) => `${f}: ${a}`),
    fc.constant('default: "d", allow_false: true'),
  );
const valueOver = (words: readonly string[]) => {
  const operand = operandOver(pathOver(fc.constantFrom(...words)));
  return fc
    .tuple(operand, fc.array(filterOver(operand), { maxLength: 2 }))
    .map(([o, fs]) => [o, ...fs].join(' | '));
};
const path = pathOver(fc.constantFrom(...WORDS, 'w'));
const operand = operandOver(path);
const value = valueOver([...WORDS, 'w']);
/** What assign and capture may write: nothing that reads `w`. */
const written = valueOver(WORDS);
const comparison = fc.oneof(
  operand,
  fc
    .tuple(operand, fc.constantFrom('==', '!=', '<', '>', '<=', '>=', 'contains'), operand)
    .map((p) => p.join(' ')),
);
const condition = fc
  .array(comparison, { minLength: 1, maxLength: 3 })
  .chain((parts) =>
    fc
      .array(fc.constantFrom('and', 'or'), { minLength: parts.length - 1, maxLength: parts.length - 1 })
      .map((ops) => parts.map((p, i) => (i === 0 ? p : `${ops[i - 1]} ${p}`)).join(' ')),
  );
const text = fc.constantFrom('', ' ', 'text', '<p>', '\n', ' & ');

const template: fc.Memo<string> = fc.memo((depth) => {
  const leaf = fc.oneof(
    text,
    value.map((v) => `{{ ${v} }}`),
    value.map((v) => `{{- ${v} -}}`),
    written.map((e) => `{% assign w = ${e} %}`),
    fc.constantFrom(
      '{% increment c %}',
      '{% break %}',
      '{% continue %}',
      '{{ forloop.index }}',
      '{{ forloop }}',
    ),
    fc.constantFrom("{% include 'p1' %}", "{% include 'p2', a: items, n: 2 %}", "{% include 'p1' with a %}"),
    fc.constantFrom("{% include 'missing' %}", '{% include s %}', "{% render 'p1' %}", '{{ a | nofilter }}'),
  );
  if (depth <= 1) return leaf;
  const body = fc.array(template(depth - 1), { maxLength: 3 }).map((parts) => parts.join(''));
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    fc
      .tuple(condition, body, fc.option(fc.tuple(condition, body)), fc.option(body))
      .map(
        ([c, b, elsif, otherwise]) =>
          `{% if ${c} %}${b}${elsif ? `{% elsif ${elsif[0]} %}${elsif[1]}` : ''}${otherwise === null ? '' : `{% else %}${otherwise}`}{% endif %}`,
      ),
    fc
      .tuple(condition, body, fc.option(body))
      .map(
        ([c, b, otherwise]) =>
          `{% unless ${c} %}${b}${otherwise === null ? '' : `{% else %}${otherwise}`}{% endunless %}`,
      ),
    fc
      .tuple(
        fc.constantFrom('x', 'item'),
        fc.oneof(path, fc.constant('(1..3)')),
        fc.constantFrom('', ' limit: 2', ' offset: 1', ' reversed', ' offset: continue'),
        body,
        fc.option(body),
      )
      .map(
        ([v, c, mods, b, otherwise]) =>
          `{% for ${v} in ${c}${mods} %}${b}${otherwise === null ? '' : `{% else %}${otherwise}`}{% endfor %}`,
      ),
    fc
      .array(
        fc.oneof(
          text,
          written.map((v) => `{{ ${v} }}`),
        ),
        { maxLength: 3 },
      )
      .map((parts) => `{% capture w %}${parts.join('')}{% endcapture %}{{ w }}`),
    fc.tuple(path, body).map(([p, b]) => `{% case ${p} %}{% when 'x', 3 %}${b}{% else %}-{% endcase %}`),
  );
});

const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -3, max: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('x', '<b>&"', ''),
);
const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('array')),
  object: fc.dictionary(
    fc.constantFrom('a', 'b', 'name', 'size', 'first', 'tags', 'title', '0'),
    tie('node'),
    { maxKeys: 4 },
  ),
  array: fc.array(tie('node'), { maxLength: 4 }),
})).node;
const scope = fc.record({
  a: data,
  b: data,
  items: fc.array(data, { maxLength: 4 }),
  n: fc.integer({ min: -1, max: 4 }),
  s: fc.constantFrom('p1', 'p2', 'x', ''),
  flag: fc.boolean(),
  site: fc.record({ title: scalar, tags: fc.array(scalar, { maxLength: 3 }) }),
});

type Outcome = { ok: true; html: string } | { ok: false };
const outcome = (render: () => string): Outcome => {
  try {
    return { ok: true, html: render() };
  } catch {
    return { ok: false };
  }
};

describe('rendering without generators (liquid-sync)', () => {
  it('renders what liquidjs renders, and fails where it fails, on generated templates and data', () => {
    fc.assert(
      fc.property(
        template(4),
        template(2),
        template(2),
        scope,
        fc.boolean(),
        (main, p1, p2, vars, escaped) => {
          const liquid = new Liquid({
            templates: { p1, p2 },
            ...(escaped ? { outputEscape: 'escape' as const } : {}),
            strictFilters: true,
            ownPropertyOnly: true,
            cache: true,
          });
          expect(rendersLikeLiquid(liquid)).toBe(true);
          let parsed: ReturnType<Liquid['parse']>;
          try {
            parsed = liquid.parse(main);
          } catch {
            return; // a template liquidjs refuses to parse never reaches a renderer
          }
          // Each renderer gets its own copy: assign, increment and capture write into the scope.
          const theirs = outcome(() => liquid.renderSync(parsed, structuredClone(vars)));
          const ours = outcome(() => renderSync(liquid, parsed, structuredClone(vars)));
          expect(ours, main).toEqual(theirs);
        },
      ),
      { numRuns: 1500 },
    );
  }, 120_000); // 1,500 generated templates: ~10 s alone, several times that beside the rest of the suite

  it('is not used with options it does not model', () => {
    expect(rendersLikeLiquid(new Liquid({ strictVariables: true }))).toBe(false);
    expect(rendersLikeLiquid(new Liquid({ jekyllInclude: true }))).toBe(false);
    expect(rendersLikeLiquid(new Liquid({ renderLimit: 1000 }))).toBe(false);
    expect(rendersLikeLiquid(new Liquid({}))).toBe(true);
  });
});

describe('data liquidjs treats specially (liquid-sync)', () => {
  it('a generator in the data is run by liquidjs (it yields every value it reads); the same comes out here', () => {
    const liquid = new Liquid({ outputEscape: 'escape', ownPropertyOnly: true });
    const parsed = liquid.parse('{{ g }}|{{ o.items }}');
    const scope = () => ({
      g: (function* () {
        yield 1;
        return 'done';
      })(),
      o: {
        *items() {
          yield 'ignored';
          return 'listed';
        },
      },
    });
    expect(liquid.renderSync(parsed, scope())).toBe('done|listed');
    const ours = outcome(() => renderSync(liquid, parsed, scope()));
    // Either the same text or a throw (the caller then renders with liquidjs), never '[object Generator]'.
    if (ours.ok) expect(ours.html).toBe('done|listed');
  });
});
