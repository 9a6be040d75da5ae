// One Broadsheet build of a benchmark corpus, exactly as `broadsheet build` runs it; prints its own time.
import { loadSiteConfig } from '../src/adapters/fs/site-config.js';
import { localBuild } from '../src/local.js';

const [content, out, outbox, state] = process.argv.slice(2);
if (!content || !out || !outbox || !state)
  throw new Error('usage: build.ts <content> <out> <outbox> <state>');
const start = performance.now();
const site = await loadSiteConfig(content);
const report = await localBuild(site, { content, out, outbox, state }, new Date('2030-01-01T00:00:00Z'));
console.log(
  JSON.stringify({
    ms: performance.now() - start,
    written: report.site.written.length,
    published: report.published,
  }),
);
