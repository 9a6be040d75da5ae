// Deterministic synthetic corpora for benchmarks: ~600 words an article, with headings, lists, code and links.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const WORDS = (
  'the feed reader article publish digest subscriber markdown heading archive tag email build render ' +
  'cache storage bucket function queue ledger confirm unsubscribe pipeline content site page link image ' +
  'summary title draft schedule update version token secret limit batch retry order event notice plain ' +
  'text format parse valid error field reason line number fast cheap small honest clear simple exact'
).split(' ');
const TAGS = [
  'aws',
  'email',
  'feeds',
  'markdown',
  'performance',
  'reliability',
  'design',
  'notes',
  'rust',
  'go',
];

/** Mulberry32: tiny seeded PRNG so every run generates the same bytes. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function article(i: number): string {
  const rand = random(i + 1);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const sentence = () => {
    const s = words(8 + Math.floor(rand() * 10));
    return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: 4 }, sentence).join(' ');
  const day = new Date(Date.UTC(2015, 0, 1) + i * 6 * 3600 * 1000).toISOString().slice(0, 10);
  const tags = [...new Set([pick(TAGS), pick(TAGS)])];
  const body = [
    paragraph(),
    `## ${words(3)}`,
    `${paragraph()} See [a related note](/posts/article-${Math.max(0, i - 1)}/) and [the spec](https://example.org/spec).`,
    `- ${words(5)}\n- **${words(3)}** ${words(4)}\n- \`${pick(WORDS)}\` ${words(5)}`,
    paragraph(),
    `### ${words(2)}`,
    '```ts\nconst plan = planDigest(published, announced);\nif (plan) await deliver(plan);\n```',
    paragraph(),
    `1. ${words(6)}\n2. ${words(6)}\n3. *${words(4)}*`,
    paragraph(),
    paragraph(),
    `> ${sentence()}`,
    paragraph(),
  ].join('\n\n');
  return `---\ntitle: "Article ${i}: ${words(4)}"\ndate: ${day}\nsummary: "${sentence()}"\ntags: [${tags.join(', ')}]\n---\n${body}\n`;
}

export const SITE_YAML = `title: Bench Site
base_url: https://bench.example.com
timezone: UTC
author:
  name: Bench
  email: bench@example.com
sender:
  name: Bench
  address: bench@example.com
`;

export function articleFileName(i: number): string {
  return `article-${i}.md`;
}

/** Writes `<dir>/content/site.yaml` and `<dir>/content/posts/article-<i>.md` for i < count. */
export async function writeCorpus(dir: string, count: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const posts = join(dir, 'content', 'posts');
  await mkdir(posts, { recursive: true });
  await writeFile(join(dir, 'content', 'site.yaml'), SITE_YAML);
  for (let i = 0; i < count; i++) await writeFile(join(posts, articleFileName(i)), article(i));
}

export { article as syntheticArticle };
