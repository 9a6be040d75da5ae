// The floor: what any Markdown-to-HTML build must at least do. Plain JavaScript, run by node directly,
// so its start-up costs no more than the bundled broadsheet CLI's. Reads every article, splits the front
// matter with gray-matter and renders the body with marked, keeping nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import matter from 'gray-matter';
import { marked } from 'marked';

const posts = join(process.argv[2] ?? '.', 'posts');
const start = performance.now();
let bytes = 0;
for (const name of readdirSync(posts)) {
  const { content } = matter(readFileSync(join(posts, name), 'utf8'));
  bytes += marked.parse(content).length;
}
console.log(JSON.stringify({ ms: performance.now() - start, bytes }));
