import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseSiteYaml } from '../../../src/core/site-yaml.js';

const problemsOf = (text: string): readonly string[] => {
  try {
    parseSiteYaml(text, 'site.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('site.yaml was accepted');
};

const valid = [
  'title: X',
  'base_url: https://x.example',
  'author:',
  '  name: A',
  'sender:',
  '  name: S',
  '  address: s@x.example',
].join('\n');

describe('parseSiteYaml names what an operator got wrong, by line', () => {
  it('a key that is not a setting, with the one it likely meant at any depth, in line order', () => {
    const text = `${valid}\n  adress: s@x.example\nfeed-items: 5\nbaseURL: https://y.example\ntitel: Y\nfrobnicate: 1\nweekly_digest:\n  dya: friday`;
    expect(problemsOf(text)).toEqual([
      'line 8: sender.adress: is not a setting (did you mean sender.address?)',
      'line 9: feed-items: is not a setting (did you mean feed_items?)',
      'line 10: baseURL: is not a setting (did you mean base_url?)',
      'line 11: titel: is not a setting (did you mean title?)',
      'line 12: frobnicate: is not a setting (README.md, "site.yaml reference", lists them)',
      'line 14: weekly_digest.dya: is not a setting (did you mean weekly_digest.day?)',
    ]);
  });

  it('a key given twice, at its second line with its first, nested keys by their path', () => {
    expect(problemsOf(`${valid}\n  name: T\ntitle: Y`)).toEqual([
      'line 8: sender.name is given twice (first on line 6); keep one',
      'line 9: title is given twice (first on line 1); keep one',
    ]);
    expect(problemsOf(`${valid}\nnav:\n  - about\n  - {a: 1, a: 2}`)).toEqual([
      'line 10: nav.1.a is given twice (first on line 10); keep one',
    ]);
  });

  it('a key given twice beside another YAML error names both; the first other error stays', () => {
    expect(problemsOf(`${valid}\ntitle: Y\ndescription: [unclosed\n`)).toEqual([
      'line 8: title is given twice (first on line 1); keep one',
      expect.stringMatching(/^line \d+: invalid YAML: /),
    ]);
  });

  it('another generator’s name where it stands, a numeric key at its line, and thousands of unknown keys counted', () => {
    expect(problemsOf(`${valid}\n  email: s@x.example\nstrings:\n  1: {one: 2}`)).toEqual([
      'line 8: sender.email: is not a setting (did you mean sender.address?)',
      'line 10: strings.1: must be text, or text by plural category ({ one: …, other: … })',
    ]);
    const many = Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n');
    const problems = problemsOf(`${valid}\n${many}`);
    expect(problems).toHaveLength(21);
    expect(problems[0]).toBe('and 4980 more keys that are not settings');
    expect(problems[1]).toBe('line 8: k0: is not a setting (README.md, "site.yaml reference", lists them)');
  });

  it('a bad value at the line of its key, also when the value is a block below it', () => {
    expect(
      problemsOf(`${valid}\nweekly_digest:\n  day: someday\nhome_items: ten\ntopics:\n  - "!!!"`),
    ).toEqual([
      'line 9: weekly_digest.day: must be a day of the week: monday, tuesday, wednesday, thursday, friday, saturday, sunday',
      'line 10: home_items: must be a number, not text',
      'line 11: topics: each topic needs a letter or digit',
    ]);
  });

  it('a theme name that is not a folder name says where themes live (themes/, not content/)', () => {
    expect(problemsOf(`${valid}\ntheme: Dark`)).toEqual([
      'line 8: theme: must be a folder name under themes/ (lowercase letters, digits, - and _)',
    ]);
  });
});
